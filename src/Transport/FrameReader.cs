// Reads frames off a connection's stream: checks the header, reads the body into a reused buffer and each float
// payload straight into a pooled FloatBuffer.
using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Akka.Actor;

namespace Dtrain.Protocol.Transport;

/// <summary>A frame as read: header, manifest text, body bytes (valid until the next read) and payloads.</summary>
internal readonly record struct Frame(FrameHeader Header, string Manifest, ReadOnlyMemory<byte> Body, Queue<FloatBuffer> Payloads);

/// <summary>Used by one thread per connection.</summary>
internal sealed class FrameReader(Stream stream, ExtendedActorSystem system) : IDisposable
{
    private readonly BulkCodec _codec = new(system);
    /// <summary>Small frames (acks, headers, bodies) are read ahead in one system call; big payloads bypass it.</summary>
    private const int ReadAheadBytes = 64 * 1024;

    private readonly byte[] _header = new byte[FrameHeader.Bytes];
    private readonly byte[] _ahead = new byte[ReadAheadBytes];
    private int _aheadStart;
    private int _aheadEnd;
    private byte[] _body = ArrayPool<byte>.Shared.Rent(64 * 1024);

    /// <summary>Frames read so far (names the offending one in errors).</summary>
    public long Frames { get; private set; }

    /// <summary>
    /// Largest frame accepted, header included; checked before anything is sized from the header, so a peer that
    /// has not authenticated yet cannot make this reader allocate more than this bound.
    /// </summary>
    public int MaxFrameBytes { get; set; } = FrameHeader.MaxFrameBytes;

    /// <summary>Largest MessagePack body (with the manifest) accepted; float payloads are bounded by <see cref="MaxFrameBytes"/>.</summary>
    public int MaxBodyBytes { get; set; } = FrameHeader.MaxFrameBytes;

    /// <summary>
    /// The next frame, waiting for its first bytes without holding a thread. A frame that fits the read-ahead
    /// buffer is read whole asynchronously; only the payloads of a bigger frame (from an authenticated peer, whose
    /// bytes are already on their way) are read synchronously.
    /// </summary>
    public async ValueTask<Frame> ReadAsync(CancellationToken cancel = default)
    {
        await FillAsync(FrameHeader.Bytes, cancel);
        var length = (long)BinaryPrimitives.ReadInt32LittleEndian(_ahead.AsSpan(_aheadStart + 4)) + 8;
        if (BinaryPrimitives.ReadUInt32LittleEndian(_ahead.AsSpan(_aheadStart)) == FrameHeader.Magic && length >= FrameHeader.Bytes && length <= Math.Min(MaxFrameBytes, ReadAheadBytes))
        {
            await FillAsync((int)length, cancel);
        }

        return Read();
    }

    /// <summary>
    /// The next frame. <see cref="EndOfStreamException"/> when the peer closed, <see cref="MalformedFrameException"/>
    /// (with the frame's number and kind) when the bytes break the format.
    /// </summary>
    public Frame Read()
    {
        ReadExactly(_header);
        Frames++;
        FrameHeader header;
        try
        {
            header = FrameHeader.Read(_header);
        }
        catch (MalformedFrameException e)
        {
            throw new MalformedFrameException($"frame #{Frames}: {e.Message}");
        }

        if (header.Length + 8L > MaxFrameBytes)
        {
            throw new MalformedFrameException($"frame #{Frames}: {header} is over the {MaxFrameBytes}-byte limit of this connection");
        }

        var head = header.ManifestBytes + header.BodyBytes;
        if (head > MaxBodyBytes)
        {
            throw new MalformedFrameException($"frame #{Frames}: {header} has a {head}-byte body, over the {MaxBodyBytes}-byte limit");
        }

        if (_body.Length < head)
        {
            ArrayPool<byte>.Shared.Return(_body);
            _body = ArrayPool<byte>.Shared.Rent(head);
        }

        ReadExactly(_body.AsSpan(0, head));
        var manifest = Encoding.UTF8.GetString(_body, 0, header.ManifestBytes);
        var payloads = new Queue<FloatBuffer>(header.Payloads);
        try
        {
            var left = (long)header.Length - FrameHeader.CountedBytes - head;
            Span<byte> size = stackalloc byte[4];
            for (var i = 0; i < header.Payloads; i++)
            {
                ReadExactly(size);
                var bytes = BinaryPrimitives.ReadInt32LittleEndian(size);
                if (bytes < 0 || bytes % sizeof(float) != 0 || 4L + bytes > left)
                {
                    throw new MalformedFrameException($"frame #{Frames} ({header}, {manifest}): payload {i} of {bytes} bytes does not fit or is not whole floats");
                }

                var buffer = FloatBuffer.Rent(bytes / sizeof(float));
                payloads.Enqueue(buffer);
                ReadExactly(MemoryMarshal.AsBytes(buffer.Span));
                left -= 4L + bytes;
            }

            if (left != 0)
            {
                throw new MalformedFrameException($"frame #{Frames} ({header}, {manifest}): {left} bytes after its {header.Payloads} payload(s)");
            }
        }
        catch
        {
            Release(payloads);
            throw;
        }

        return new(header, manifest, _body.AsMemory(header.ManifestBytes, header.BodyBytes), payloads);
    }

    /// <summary>The message a Message or Reply frame carries; a bad body is a <see cref="MalformedFrameException"/> naming the frame.</summary>
    public IWireMessage Decode(in Frame frame)
    {
        try
        {
            return _codec.Deserialize(frame.Manifest, frame.Body, frame.Payloads);
        }
        catch (MalformedFrameException e)
        {
            Release(frame.Payloads);
            throw new MalformedFrameException($"frame #{Frames} ({frame.Header}): {e.Message}", e);
        }
    }

    /// <summary>Fills <paramref name="destination"/> from the read-ahead bytes, then the stream; end of stream is <see cref="EndOfStreamException"/>.</summary>
    private void ReadExactly(Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            if (_aheadEnd > _aheadStart)
            {
                var take = Math.Min(destination.Length, _aheadEnd - _aheadStart);
                _ahead.AsSpan(_aheadStart, take).CopyTo(destination);
                _aheadStart += take;
                destination = destination[take..];
                continue;
            }

            if (destination.Length >= ReadAheadBytes / 2)
            {
                // A payload: straight into its buffer, no staging copy.
                stream.ReadExactly(destination);
                return;
            }

            _aheadStart = 0;
            _aheadEnd = stream.Read(_ahead);
            if (_aheadEnd == 0)
            {
                throw new EndOfStreamException();
            }
        }
    }

    /// <summary>Reads asynchronously until at least <paramref name="bytes"/> (at most the read-ahead size) are buffered.</summary>
    private async ValueTask FillAsync(int bytes, CancellationToken cancel)
    {
        if (_aheadEnd - _aheadStart >= bytes)
        {
            return;
        }

        if (_aheadStart + bytes > _ahead.Length)
        {
            _ahead.AsSpan(_aheadStart, _aheadEnd - _aheadStart).CopyTo(_ahead);
            (_aheadStart, _aheadEnd) = (0, _aheadEnd - _aheadStart);
        }

        while (_aheadEnd - _aheadStart < bytes)
        {
            var read = await stream.ReadAsync(_ahead.AsMemory(_aheadEnd), cancel);
            if (read == 0)
            {
                throw new EndOfStreamException();
            }

            _aheadEnd += read;
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_body);
        _body = [];
    }

    private static void Release(Queue<FloatBuffer> payloads)
    {
        while (payloads.TryDequeue(out var buffer))
        {
            buffer.Release();
        }
    }
}
