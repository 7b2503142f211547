import Foundation

/// A tiny HTTP file server on loopback (Python's http.server): GET serves files of `directory`, PUT and POST store
/// the body under the path's last segment. For the GetLog uploads and SignedUpdateFirmware downloads of the sim.
final class TestFileServer: Sendable {
    let directory: URL
    let port: Int
    private let process: Process
    private let input: Pipe

    static let script = """
        import http.server, os, sys
        root = sys.argv[1]
        class H(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *a, **k): super().__init__(*a, directory=root, **k)
            def log_message(self, *a): pass
            def do_PUT(self):
                n = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(n)
                with open(os.path.join(root, os.path.basename(self.path.rstrip('/')) or 'upload'), 'wb') as f: f.write(body)
                self.send_response(201); self.send_header('Content-Length', '0'); self.end_headers()
            do_POST = do_PUT
        s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
        print(s.server_address[1], flush=True)
        # Ends when its stdin closes (stop(), or the test process gone): SIGTERM did not end it (it outlived pkill too).
        import threading
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
        s.serve_forever()
        """

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ocpp-files-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script, directory.path]
        let out = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardInput = input
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.input = input
        // The first line is the port.
        var text = ""
        let deadline = Date().addingTimeInterval(15)
        while !text.contains("\n") && Date() < deadline {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
        }
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw CocoaError(.fileReadUnknown)
        }
        self.port = port
    }

    var url: String { "http://127.0.0.1:\(port)/" }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
    }
}
