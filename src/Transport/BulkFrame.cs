// The bulk channel's frame: a fixed little-endian header, the message's manifest and MessagePack body, then its
// float payloads as raw bytes so they move between pooled buffers and the socket without an extra copy.
using System.Buffers.Binary;

namespace Dtrain.Protocol.Transport;

/// <summary>What a frame carries.</summary>
internal enum FrameKind : byte
{
    /// <summary>
    /// Client to server, first frame, answering <see cref="Challenge"/>: the manifest field names the target, the
    /// body is the client's nonce then its proof of the cluster secret (see <see cref="BulkHandshake"/>).
    /// </summary>
    Hello = 1,

    /// <summary>Server to client: the proof holds and the target exists, messages may flow; the body is the server's proof.</summary>
    Welcome = 2,

    /// <summary>Server to client: the handshake failed; the manifest field holds the reason.</summary>
    Refused = 3,

    /// <summary>Client to server: a wire message for the target; Seq numbers it, Route names its sender.</summary>
    Message = 4,

    /// <summary>Server to client: a wire message for the client-side sender named by Route.</summary>
    Reply = 5,

    /// <summary>Server to client: every Message up to Seq has been handed to the target.</summary>
    Ack = 6,

    /// <summary>Server to client, first frame: the body is a fresh random nonce the client must prove the secret over.</summary>
    Challenge = 7,
}

/// <summary>
/// Frame layout (little-endian):
/// <code>
///  0 u32 magic "DTB2"      4 u32 length of the rest (from offset 8; at most MaxFrameBytes)
///  8 u8  kind              9 u8  payload count     10 u16 manifest bytes   12 u32 body bytes
/// 16 i64 seq              24 i64 route
/// 32 manifest (UTF-8 type name, or target / reason text), body (MessagePack), then per payload: u32 bytes, raw floats
/// </code>
/// </summary>
internal readonly record struct FrameHeader(FrameKind Kind, int Payloads, int ManifestBytes, int BodyBytes, long Seq, long Route, int Length)
{
    /// <summary>"DTB2" read as a little-endian u32 (version 2: the authenticated handshake; "DTB1" peers are refused).</summary>
    public const uint Magic = 0x32425444;

    /// <summary>Bytes of the fixed header.</summary>
    public const int Bytes = 32;

    /// <summary>Header bytes counted in <see cref="Length"/> (all but magic and length).</summary>
    public const int CountedBytes = Bytes - 8;

    /// <summary>
    /// Largest frame (256 MiB). Bigger messages are refused with an error rather than blocking the connection
    /// for seconds; a larger model is split over more shards or chunks.
    /// </summary>
    public const int MaxFrameBytes = 256 << 20;

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(destination[4..], Length);
        destination[8] = (byte)Kind;
        destination[9] = checked((byte)Payloads);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], checked((ushort)ManifestBytes));
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], BodyBytes);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], Seq);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], Route);
    }

    /// <summary>Parses and checks a header; a violation is a <see cref="MalformedFrameException"/> saying which.</summary>
    public static FrameHeader Read(ReadOnlySpan<byte> source)
    {
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(source);
        if (magic != Magic)
        {
            throw new MalformedFrameException($"bad magic 0x{magic:x8} (expected 0x{Magic:x8}, \"DTB2\")");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(source[4..]);
        if (length < CountedBytes || length > MaxFrameBytes)
        {
            throw new MalformedFrameException($"length {length} outside {CountedBytes}..{MaxFrameBytes} bytes");
        }

        var kind = (FrameKind)source[8];
        if (kind is < FrameKind.Hello or > FrameKind.Challenge)
        {
            throw new MalformedFrameException($"unknown frame kind {source[8]}");
        }

        var manifest = BinaryPrimitives.ReadUInt16LittleEndian(source[10..]);
        var body = BinaryPrimitives.ReadInt32LittleEndian(source[12..]);
        if (body < 0 || (long)CountedBytes + manifest + body > length)
        {
            throw new MalformedFrameException($"manifest {manifest} + body {body} bytes do not fit a {length}-byte frame");
        }

        return new(kind, source[9], manifest, body, BinaryPrimitives.ReadInt64LittleEndian(source[16..]), BinaryPrimitives.ReadInt64LittleEndian(source[24..]), length);
    }

    public override string ToString() => $"{Kind} frame of {Length + 8} bytes";
}

/// <summary>A frame that breaks the format; the connection that sent it is closed.</summary>
internal sealed class MalformedFrameException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The bulk channel could not deliver a message: the target does not exist, the message is too big, the connection failed.</summary>
public sealed class BulkChannelException(string message) : Exception(message);
