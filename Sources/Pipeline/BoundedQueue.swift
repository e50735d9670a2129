import Foundation

/// A fixed-capacity FIFO between two threads that moves (never copies) its elements, so
/// uniquely owned frames can cross from the decode thread to an encoder lane. Memory is
/// bounded by `capacity`, never by input.
final class BoundedQueue<Element: ~Copyable>: @unchecked Sendable {
    // @unchecked: every access to the storage happens under `condition`.
    private let storage: UnsafeMutablePointer<Element>
    let capacity: Int
    private var head = 0
    private var count = 0
    private let condition = NSCondition()

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit {
        while count > 0 {
            _ = storage.advanced(by: head).move()
            head = (head + 1) % capacity
            count -= 1
        }
        storage.deallocate()
    }

    /// Elements waiting (the lane's queue depth).
    var depth: Int {
        condition.lock()
        defer { condition.unlock() }
        return count
    }

    /// Appends, waiting while full.
    func push(_ element: consuming Element) {
        condition.lock()
        while count == capacity { condition.wait() }
        (storage + (head + count) % capacity).initialize(to: element)
        count += 1
        condition.broadcast()
        condition.unlock()
    }

    /// Appends unless full; hands the element back when it could not.
    func tryPush(_ element: consuming Element) -> Element? {
        condition.lock()
        defer { condition.unlock() }
        guard count < capacity else { return element }
        (storage + (head + count) % capacity).initialize(to: element)
        count += 1
        condition.broadcast()
        return nil
    }

    /// Removes the oldest element, waiting while empty.
    func pop() -> Element {
        condition.lock()
        while count == 0 { condition.wait() }
        let element = (storage + head).move()
        head = (head + 1) % capacity
        count -= 1
        condition.broadcast()
        condition.unlock()
        return element
    }
}
