// The seal around a journal event: magic, format, the event's MessagePack bytes and a CRC-64 over all of them (the
// CRC the shard snapshots carry), so one flipped byte in a stored event is found instead of being trained with.
// Here, not in Persistence, because the serializer seals and opens events (its namespace is kept for callers).
using System.Buffers.Binary;
using System.IO.Hashing;

namespace Dtrain.Protocol.Persistence;

/// <summary>
/// Seals and opens the bytes of a <see cref="JobEvents.IJobEvent"/>: <c>DTJE</c>, a format byte, the payload, and the
/// CRC-64 of everything before it (little-endian).
/// </summary>
public static class JournalSeal
{
    /// <summary>The only format written; a reader refuses any other.</summary>
    public const byte Format = 1;

    private const int Header = 5;
    private const int Trailer = 8;
    private static readonly byte[] Magic = "DTJE"u8.ToArray();

    /// <summary>What <see cref="Open"/> found.</summary>
    public enum Kind
    {
        /// <summary>A seal whose checksum matches: the payload is what was written.</summary>
        Sealed,

        /// <summary>An event written before events were sealed (a bare MessagePack array): it cannot be verified.</summary>
        Unsealed,

        /// <summary>Neither: altered, truncated, or not an event at all.</summary>
        Damaged,
    }

    /// <summary>The sealed bytes of <paramref name="payload"/>.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> payload)
    {
        var bytes = new byte[Header + payload.Length + Trailer];
        Magic.CopyTo(bytes, 0);
        bytes[4] = Format;
        payload.CopyTo(bytes.AsSpan(Header));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - Trailer), Crc64.HashToUInt64(bytes.AsSpan(0, bytes.Length - Trailer)));
        return bytes;
    }

    /// <summary>
    /// Checks <paramref name="bytes"/> and returns the payload to deserialize (empty when damaged) and, when damaged,
    /// why in a few words.
    /// </summary>
    public static (Kind Kind, ReadOnlyMemory<byte> Payload, string? Why) Open(byte[] bytes)
    {
        if (bytes.Length >= 4 && bytes.AsSpan(0, 4).SequenceEqual(Magic))
        {
            if (bytes.Length < Header + Trailer)
            {
                return (Kind.Damaged, default, $"truncated seal ({bytes.Length} bytes)");
            }

            var stored = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(bytes.Length - Trailer));
            var computed = Crc64.HashToUInt64(bytes.AsSpan(0, bytes.Length - Trailer));
            if (stored != computed)
            {
                return (Kind.Damaged, default, $"checksum {stored:x16} but its {bytes.Length:N0} bytes hash to {computed:x16}");
            }

            if (bytes[4] != Format)
            {
                return (Kind.Damaged, default, $"seal format {bytes[4]}; this dtrain reads format {Format}");
            }

            return (Kind.Sealed, bytes.AsMemory(Header, bytes.Length - Header - Trailer), null);
        }

        // Events from before the seal are MessagePack arrays (fixarray, array16, array32): read, but unverified.
        return bytes.Length > 0 && (bytes[0] is >= 0x90 and <= 0x9f or 0xdc or 0xdd)
            ? (Kind.Unsealed, bytes, null)
            : (Kind.Damaged, default, bytes.Length == 0 ? "no bytes" : "no seal and not an event");
    }
}

/// <summary>
/// A stored journal event that could not be read: its seal does not match or its payload does not deserialize. The
/// journal recovers it in place of the event, so the job can name it (<see cref="EventType"/>) and decide whether a
/// safe fallback exists. Never written.
/// </summary>
/// <param name="EventType">The event's type name (e.g. <c>JobSubmitted</c>).</param>
/// <param name="Reason">What is wrong with its bytes.</param>
public sealed record DamagedEvent(string EventType, string Reason);

/// <summary>An event written before events were sealed: recovered as it is, with a warning that it could not be verified.</summary>
/// <param name="Event">The event read.</param>
public sealed record UnsealedEvent(JobEvents.IJobEvent Event);
