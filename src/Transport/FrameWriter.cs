// Writes frames to a connection's stream: small frames are gathered into one write, payloads go straight from
// their pooled float arrays to the socket.
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;
using Dtrain.Protocol.Serialization;

namespace Dtrain.Protocol.Transport;

/// <summary>Used by one thread per connection.</summary>
internal sealed class FrameWriter(Stream stream, ExtendedActorSystem system) : IDisposable
{
    /// <summary>Gathered bytes are written once they pass this, so a burst of small frames costs few syscalls.</summary>
    private const int GatherBytes = 256 * 1024;

    private readonly BulkCodec _codec = new(system);
    private readonly FrameBuffer _pending = new();
    private readonly List<FloatBuffer> _payloads = [];

    /// <summary>
    /// Queues a frame without a message (handshake, ack); <paramref name="text"/> goes in the manifest field and
    /// <paramref name="body"/> (handshake nonces and proofs) in the body.
    /// </summary>
    public void WriteControl(FrameKind kind, long seq, long route, string text = "", ReadOnlySpan<byte> body = default)
    {
        var start = _pending.Count;
        _pending.GetSpan(FrameHeader.Bytes);
        _pending.Advance(FrameHeader.Bytes);
        var manifest = Encoding.UTF8.GetBytes(text.Length > 8000 ? text[..8000] : text);
        manifest.CopyTo(_pending.GetSpan(manifest.Length));
        _pending.Advance(manifest.Length);
        body.CopyTo(_pending.GetSpan(body.Length));
        _pending.Advance(body.Length);
        new FrameHeader(kind, 0, manifest.Length, body.Length, seq, route, FrameHeader.CountedBytes + manifest.Length + body.Length)
            .Write(_pending.WrittenSpan[start..]);
        FlushIfFull();
    }

    /// <summary>
    /// Writes a message frame; its float payloads are written to the stream directly and listed in
    /// <paramref name="payloads"/> (cleared first) so the caller decides when to release them. A frame over
    /// <see cref="FrameHeader.MaxFrameBytes"/> is not written: <see cref="BulkChannelException"/>.
    /// </summary>
    public void WriteMessage(FrameKind kind, long seq, long route, IWireMessage message, List<FloatBuffer> payloads)
    {
        payloads.Clear();
        var start = _pending.Count;
        _pending.GetSpan(FrameHeader.Bytes);
        _pending.Advance(FrameHeader.Bytes);
        var manifest = WireTypes.Utf8ManifestOf(message.GetType());
        manifest.CopyTo(_pending.GetSpan(manifest.Length));
        _pending.Advance(manifest.Length);
        var bodyStart = _pending.Count;
        try
        {
            _codec.Serialize(message, _pending, payloads);
        }
        catch
        {
            _pending.Truncate(start);
            throw;
        }

        var body = _pending.Count - bodyStart;
        var length = (long)FrameHeader.CountedBytes + manifest.Length + body;
        foreach (var payload in payloads)
        {
            length += 4 + ((long)payload.Length * sizeof(float));
        }

        if (length > FrameHeader.MaxFrameBytes || payloads.Count > byte.MaxValue)
        {
            _pending.Truncate(start);
            throw new BulkChannelException(
                $"{message.GetType().Name} needs a {length + 8}-byte frame with {payloads.Count} payload(s); the bulk channel carries at most {FrameHeader.MaxFrameBytes} bytes and {byte.MaxValue} payloads per frame: split it");
        }

        new FrameHeader(kind, payloads.Count, manifest.Length, body, seq, route, (int)length).Write(_pending.WrittenSpan[start..]);
        foreach (var payload in payloads)
        {
            var bytes = MemoryMarshal.AsBytes(payload.Span);
            BinaryPrimitives.WriteInt32LittleEndian(_pending.GetSpan(4), bytes.Length);
            _pending.Advance(4);
            if (bytes.Length < GatherBytes / 4)
            {
                bytes.CopyTo(_pending.GetSpan(bytes.Length));
                _pending.Advance(bytes.Length);
            }
            else
            {
                Flush(flushStream: false);
                stream.Write(bytes);
            }
        }

        FlushIfFull();
    }

    /// <summary>Writes everything gathered; call when the queue runs dry.</summary>
    public void Flush() => Flush(flushStream: true);

    public void Dispose() => _pending.Dispose();

    private void FlushIfFull()
    {
        if (_pending.Count >= GatherBytes)
        {
            Flush(flushStream: false);
        }
    }

    private void Flush(bool flushStream)
    {
        if (_pending.Count > 0)
        {
            stream.Write(_pending.WrittenSpan);
            _pending.Clear();
        }

        if (flushStream)
        {
            stream.Flush();
        }
    }
}
