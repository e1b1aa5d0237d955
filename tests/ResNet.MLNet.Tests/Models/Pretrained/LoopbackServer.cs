using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ResNet.MLNet.Tests.Models.Pretrained;

/// <summary>A minimal HTTP/1.1 server on 127.0.0.1 serving one file, honouring Range requests; it can cut the
/// connection half-way through a response (to test resume) and can serve different bytes (to test the hash pin).</summary>
public sealed class LoopbackServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly byte[] _content;
    private readonly List<string?> _ranges = new();

    public LoopbackServer(byte[] content)
    {
        _content = content;
        _listener.Start();
        _ = Task.Run(AcceptLoop);
    }

    /// <summary>How many of the next responses are cut after half of their body.</summary>
    public int DropsLeft { get; set; }

    /// <summary>Serve these bytes instead of the real content.</summary>
    public byte[]? Substitute { get; set; }

    public Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/weights/model.pth");

    /// <summary>The Range header of every request so far (null where none).</summary>
    public IReadOnlyList<string?> Ranges { get { lock (_ranges) return _ranges.ToList(); } }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var header = new StringBuilder();
            var one = new byte[1];
            while (!header.ToString().EndsWith("\r\n\r\n") && await stream.ReadAsync(one) == 1) header.Append((char)one[0]);
            string? range = header.ToString().Split("\r\n").FirstOrDefault(l => l.StartsWith("Range:", StringComparison.OrdinalIgnoreCase))?[6..].Trim();
            lock (_ranges) _ranges.Add(range);

            var body = Substitute ?? _content;
            long start = 0;
            if (range != null && range.StartsWith("bytes=") && range.EndsWith("-")) start = long.Parse(range[6..^1]);
            string status;
            if (start >= body.Length && start > 0)
            {
                status = "416 Range Not Satisfiable";
                await Write(stream, $"HTTP/1.1 {status}\r\nContent-Range: bytes */{body.Length}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            var part = body.AsMemory((int)start);
            var head = start > 0
                ? $"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-{body.Length - 1}/{body.Length}\r\n"
                : "HTTP/1.1 200 OK\r\n";
            await Write(stream, head + $"Content-Length: {part.Length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
            bool drop;
            lock (_ranges) { drop = DropsLeft > 0; if (drop) DropsLeft--; }
            if (drop)
            {
                await stream.WriteAsync(part[..(part.Length / 2)]);
                await stream.FlushAsync();
                client.Client.LingerState = new LingerOption(true, 0);  // a reset, as a broken network would
                return;
            }
            await stream.WriteAsync(part);
        }
    }

    private static Task Write(NetworkStream s, string text) => s.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
