// The bytes of one shard's checkpoint: header, parameters, optimizer state, and a CRC-64 over all of it, so a
// truncated or altered snapshot is recognized instead of being loaded.
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace Dtrain.Protocol.Persistence;

/// <summary>
/// What a shard needs to carry on from a checkpoint: its parameters, its optimizer's per-element state and its
/// version (the update count the learning-rate schedule and Adam's bias correction read).
/// </summary>
/// <param name="ShardId">The shard it belongs to.</param>
/// <param name="CheckpointId">The checkpoint it is part of.</param>
/// <param name="Version">Updates the shard had applied.</param>
/// <param name="Optimizer">The optimizer's type name (its state means nothing to another one).</param>
/// <param name="Values">Parameters of every chunk, in chunk order.</param>
/// <param name="State0">First optimizer state slot (empty when the optimizer keeps none).</param>
/// <param name="State1">Second optimizer state slot (empty when unused).</param>
public sealed record ShardSnapshot(int ShardId, long CheckpointId, long Version, string Optimizer, float[] Values, float[] State0, float[] State1)
{
    /// <summary>Header bytes before the optimizer name: magic, format, shard, checkpoint, version, floats, slots.</summary>
    private const int FixedHeader = 8 + 4 + 4 + 8 + 8 + 4 + 4 + 4;
    private const int Format = 1;
    private static readonly byte[] Magic = "DTRNCKPT"u8.ToArray();

    /// <summary>
    /// Lays the state out in one array (<paramref name="reuse"/> when it has the right size, else a new one): this copy
    /// is all a shard spends on its own thread. The checksum is left zero; <see cref="Seal"/> fills it in off the
    /// shard's thread.
    /// </summary>
    public static byte[] Copy(int shardId, long checkpointId, long version, string optimizer, ReadOnlySpan<float> values, ReadOnlySpan<float> state0, ReadOnlySpan<float> state1, byte[]? reuse = null)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(optimizer);
        var slots = state1.Length > 0 ? 2 : state0.Length > 0 ? 1 : 0;
        var body = (long)values.Length * 4 * (1 + slots);
        var total = FixedHeader + name.Length + body + 8;
        if (total > Array.MaxLength)
        {
            throw new Models.DtrainException($"shard {shardId} holds {values.Length:N0} floats with {slots} optimizer slot(s): {total:N0} bytes, more than one snapshot can hold ({Array.MaxLength:N0}); use more PS shards");
        }

        // A buffer kept from the last checkpoint is memory already mapped: copying into it costs no page faults and
        // allocates nothing, so it starts no garbage collection that would pause every other shard too.
        var bytes = reuse?.Length == total ? reuse : GC.AllocateUninitializedArray<byte>((int)total);
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], Format);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], shardId);
        BinaryPrimitives.WriteInt64LittleEndian(span[16..], checkpointId);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], version);
        BinaryPrimitives.WriteInt32LittleEndian(span[32..], values.Length);
        BinaryPrimitives.WriteInt32LittleEndian(span[36..], slots);
        BinaryPrimitives.WriteInt32LittleEndian(span[40..], name.Length);
        name.CopyTo(span[FixedHeader..]);
        var at = FixedHeader + name.Length;
        MemoryMarshal.AsBytes(values).CopyTo(span[at..]);
        at += values.Length * 4;
        if (slots >= 1)
        {
            MemoryMarshal.AsBytes(state0).CopyTo(span[at..]);
            at += values.Length * 4;
        }

        if (slots >= 2)
        {
            MemoryMarshal.AsBytes(state1).CopyTo(span[at..]);
        }

        span[^8..].Clear();
        return bytes;
    }

    /// <summary>Writes the CRC-64 of everything before it into the last 8 bytes.</summary>
    public static void Seal(byte[] bytes) =>
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), Crc64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)));

    /// <summary>
    /// Reads and verifies a snapshot. <paramref name="name"/> says which one in errors (e.g. <c>checkpoint 3 of shard 1</c>).
    /// Throws <see cref="CorruptCheckpointException"/> when it is truncated, altered or not a dtrain snapshot.
    /// </summary>
    public static ShardSnapshot Read(byte[] bytes, string name)
    {
        var span = bytes.AsSpan();
        if (bytes.Length < FixedHeader + 8 || !span[..8].SequenceEqual(Magic))
        {
            throw new CorruptCheckpointException($"{name} is not a dtrain shard snapshot ({bytes.Length:N0} bytes, no header)");
        }

        var stored = BinaryPrimitives.ReadUInt64LittleEndian(span[^8..]);
        var computed = Crc64.HashToUInt64(span[..^8]);
        if (stored != computed)
        {
            throw new CorruptCheckpointException($"{name} is corrupt: its checksum is {stored:x16} but its {bytes.Length:N0} bytes hash to {computed:x16} (truncated or altered)");
        }

        var format = BinaryPrimitives.ReadInt32LittleEndian(span[8..]);
        if (format != Format)
        {
            throw new CorruptCheckpointException($"{name} has snapshot format {format}; this dtrain reads format {Format}");
        }

        var floats = BinaryPrimitives.ReadInt32LittleEndian(span[32..]);
        var slots = BinaryPrimitives.ReadInt32LittleEndian(span[36..]);
        var nameLength = BinaryPrimitives.ReadInt32LittleEndian(span[40..]);
        if (floats < 0 || slots is < 0 or > 2 || nameLength is < 0 or > 64 || FixedHeader + nameLength + ((long)floats * 4 * (1 + slots)) + 8 != bytes.Length)
        {
            throw new CorruptCheckpointException($"{name} has a header that does not match its length ({floats:N0} floats, {slots} slots, {bytes.Length:N0} bytes)");
        }

        var at = FixedHeader + nameLength;
        float[] Part(int index) =>
            index > slots ? [] : MemoryMarshal.Cast<byte, float>(bytes.AsSpan(at + (index * floats * 4), floats * 4)).ToArray();

        var values = Part(0);
        var s0 = Part(1);
        var s1 = Part(2);
        return new ShardSnapshot(
            BinaryPrimitives.ReadInt32LittleEndian(span[12..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(span[24..]),
            System.Text.Encoding.UTF8.GetString(span.Slice(FixedHeader, nameLength)),
            values,
            s0,
            s1);
    }

    /// <summary>The persistence id of shard <paramref name="shard"/>'s snapshots in job <paramref name="jobId"/>.</summary>
    public static string PersistenceId(string jobId, int shard) => $"dtrain/{jobId}/shard-{shard}";
}

/// <summary>A checkpoint that cannot be used: missing, truncated, altered, or made for another layout.</summary>
public sealed class CorruptCheckpointException(string message) : Models.DtrainException(message);
