// A growable byte buffer for outgoing frames: MessagePack writes into it, the frame writer patches headers in it.
using System.Buffers;

namespace Dtrain.Protocol.Transport;

/// <summary>Pooled, growable bytes with random access to what was written (headers are filled in after the body).</summary>
internal sealed class FrameBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);

    /// <summary>Bytes written so far.</summary>
    public int Count { get; private set; }

    public Span<byte> WrittenSpan => _buffer.AsSpan(0, Count);

    public void Advance(int count) => Count += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(Count);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(Count);
    }

    /// <summary>Forgets bytes from <paramref name="count"/> on (a frame that turned out too big).</summary>
    public void Truncate(int count) => Count = count;

    public void Clear() => Count = 0;

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Ensure(int sizeHint)
    {
        var need = Count + Math.Max(sizeHint, 256);
        if (need <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(need, _buffer.Length * 2));
        _buffer.AsSpan(0, Count).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}
