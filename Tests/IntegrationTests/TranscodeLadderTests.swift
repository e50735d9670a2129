import Testing

/// Issue 2, the transcoding ladder, end to end: the real `mutstream transcode` binary fed by
/// the real ffmpeg CLI (files, SRT, RTMP and UDP MPEG-TS pushes) and judged by ffprobe and
/// ffmpeg. One serialized suite: the encoders and the real-time pushes share two cores, and
/// a starved push would test the machine rather than the product.
///
/// The nested suites live in their own files, as extensions of this type.
@Suite("mutstream transcode, real ffmpeg source, ffprobe judge", .serialized)
struct TranscodeLadderTests {}
