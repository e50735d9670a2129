import NIOCore
import NIOHTTP1

extension HTTPConnectionHandler {
    /// Hands a `/mesh/v1/...` request to the mesh handler (404 when none is set).
    func answerMesh(context: ChannelHandlerContext, head: RequestHead) {
        answerPluggable(context: context, head: head, handler: self.server.meshHandler.withLock { $0 }, label: "mesh")
    }
}
