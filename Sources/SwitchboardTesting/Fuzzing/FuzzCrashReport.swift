#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to print when a fuzz input crashes the process (a trap, a bad access): the target, the
/// seed, the iteration and the input in hex, for every fuzz session running at that moment — so
/// the crash can be replayed. A crash cannot be caught in Swift; a signal handler that only uses
/// `write(2)` on memory prepared beforehand can still say what was being tried.
enum FuzzCrashReport {
    static let slotCount = 16

    /// Per slot: a C string naming the target, seed and iteration; the input's bytes and length.
    nonisolated(unsafe) static var labels = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: slotCount)
    nonisolated(unsafe) static var inputs = UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>.allocate(capacity: slotCount)
    nonisolated(unsafe) static var capacities = UnsafeMutablePointer<Int>.allocate(capacity: slotCount)
    nonisolated(unsafe) static var lengths = UnsafeMutablePointer<Int>.allocate(capacity: slotCount)
    nonisolated(unsafe) static var inUse = UnsafeMutablePointer<Bool>.allocate(capacity: slotCount)
    nonisolated(unsafe) static var installed = false
    nonisolated(unsafe) static let lock: UnsafeMutablePointer<pthread_mutex_t> = {
        let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
        return lock
    }()

    /// Takes a free slot (installing the handler the first time); nil when all are taken.
    static func claimSlot() -> Int? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if !installed {
            for index in 0..<slotCount {
                labels[index] = nil
                inputs[index] = nil
                capacities[index] = 0
                lengths[index] = 0
                inUse[index] = false
            }
            install()
            installed = true
        }
        guard let slot = (0..<slotCount).first(where: { !inUse[$0] }) else { return nil }
        inUse[slot] = true
        return slot
    }

    static func releaseSlot(_ slot: Int) {
        pthread_mutex_lock(lock)
        lengths[slot] = 0
        inUse[slot] = false
        pthread_mutex_unlock(lock)
    }

    /// Records what the slot is about to try.
    static func record(slot: Int, label: String, input: [UInt8]) {
        free(labels[slot])
        labels[slot] = strdup(label)
        if capacities[slot] < input.count {
            free(inputs[slot])
            inputs[slot] = UnsafeMutablePointer<UInt8>.allocate(capacity: input.count)
            capacities[slot] = input.count
        }
        lengths[slot] = 0
        input.withUnsafeBufferPointer { buffer in
            if let base = buffer.baseAddress, let target = inputs[slot] { target.update(from: base, count: buffer.count) }
        }
        lengths[slot] = input.count
    }

    private static func install() {
        for signal in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGABRT, SIGFPE] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { signal in FuzzCrashReport.report(signal) }
            #else
            action.__sigaction_u.__sa_handler = { signal in FuzzCrashReport.report(signal) }
            #endif
            action.sa_flags = Int32(truncatingIfNeeded: SA_RESETHAND)
            sigaction(signal, &action, nil)
        }
    }

    /// Async-signal-safe: `write(2)` only, on memory prepared before the crash.
    private static func report(_ signal: Int32) {
        say("\n*** fuzz: the process crashed (signal ")
        sayNumber(Int(signal))
        say(") while trying these inputs; each is kept here to replay:\n")
        for slot in 0..<slotCount where inUse[slot] {
            say("--- ")
            if let label = labels[slot] { _ = write(2, label, strlen(label)) }
            say("\ninput (hex): ")
            if let input = inputs[slot] {
                let digits: StaticString = "0123456789abcdef"
                var pair: (UInt8, UInt8) = (0, 0)
                for index in 0..<lengths[slot] {
                    let byte = input[index]
                    pair = (digits.utf8Start[Int(byte >> 4)], digits.utf8Start[Int(byte & 0x0F)])
                    _ = withUnsafeBytes(of: &pair) { write(2, $0.baseAddress, 2) }
                }
            }
            say("\n")
        }
        raise(signal)
    }

    private static func say(_ text: StaticString) {
        _ = write(2, text.utf8Start, text.utf8CodeUnitCount)
    }

    private static func sayNumber(_ number: Int) {
        var value = number
        var buffer: (UInt8, UInt8, UInt8, UInt8) = (0x30, 0x30, 0x30, 0x30)
        withUnsafeMutableBytes(of: &buffer) { bytes in
            var index = 3
            repeat {
                bytes[index] = UInt8(0x30 + value % 10)
                value /= 10
                index -= 1
            } while value > 0 && index >= 0
            _ = write(2, bytes.baseAddress! + index + 1, 3 - index)
        }
    }
}
