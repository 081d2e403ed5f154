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
/// <param name="Groups">
/// A shard with several parameter groups: each group's optimizer name and update count, in group order (format 2);
/// null for one group, whose optimizer is <paramref name="Optimizer"/> and whose update count is the version (format 1).
/// </param>
public sealed record ShardSnapshot(int ShardId, long CheckpointId, long Version, string Optimizer, float[] Values, float[] State0, float[] State1, IReadOnlyList<(string Optimizer, long Steps)>? Groups = null)
{
    /// <summary>Header bytes before the optimizer name: magic, format, shard, checkpoint, version, floats, slots.</summary>
    private const int FixedHeader = 8 + 4 + 4 + 8 + 8 + 4 + 4 + 4;
    private const int Format = 1;
    private const int GroupsFormat = 2;
    private const int MaxGroups = 64;
    private static readonly byte[] Magic = "DTRNCKPT"u8.ToArray();

    /// <summary>
    /// Lays the state out in one array (<paramref name="reuse"/> when it has the right size, else a new one): this copy
    /// is all a shard spends on its own thread. The checksum is left zero; <see cref="Seal"/> fills it in off the
    /// shard's thread.
    /// </summary>
    public static byte[] Copy(
        int shardId, long checkpointId, long version, string optimizer, ReadOnlySpan<float> values, ReadOnlySpan<float> state0, ReadOnlySpan<float> state1,
        byte[]? reuse = null, IReadOnlyList<(string Optimizer, long Steps)>? groups = null)
    {
        var name = System.Text.Encoding.UTF8.GetBytes(optimizer);
        var slots = state1.Length > 0 ? 2 : state0.Length > 0 ? 1 : 0;
        var body = (long)values.Length * 4 * (1 + slots);
        var groupNames = groups?.Select(g => System.Text.Encoding.UTF8.GetBytes(g.Optimizer)).ToArray();

        // Format 2 appends a table of groups (count, then per group: update count, name length, name) after the state.
        var table = groupNames is null ? 0 : 4 + groupNames.Sum(n => 8 + 4 + n.Length);
        var total = FixedHeader + name.Length + body + table + 8;
        if (total > Array.MaxLength)
        {
            throw new Models.DtrainException($"shard {shardId} holds {values.Length:N0} floats with {slots} optimizer slot(s): {total:N0} bytes, more than one snapshot can hold ({Array.MaxLength:N0}); use more PS shards");
        }

        // A buffer kept from the last checkpoint is memory already mapped: copying into it costs no page faults and
        // allocates nothing, so it starts no garbage collection that would pause every other shard too.
        var bytes = reuse?.Length == total ? reuse : GC.AllocateUninitializedArray<byte>((int)total);
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], groupNames is null ? Format : GroupsFormat);
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
            at += values.Length * 4;
        }

        if (groupNames is not null)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], groupNames.Length);
            at += 4;
            for (var g = 0; g < groupNames.Length; g++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(span[at..], groups![g].Steps);
                BinaryPrimitives.WriteInt32LittleEndian(span[(at + 8)..], groupNames[g].Length);
                groupNames[g].CopyTo(span[(at + 12)..]);
                at += 12 + groupNames[g].Length;
            }
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
        if (format is not (Format or GroupsFormat))
        {
            throw new CorruptCheckpointException($"{name} has snapshot format {format}; this dtrain reads formats {Format} and {GroupsFormat}");
        }

        var floats = BinaryPrimitives.ReadInt32LittleEndian(span[32..]);
        var slots = BinaryPrimitives.ReadInt32LittleEndian(span[36..]);
        var nameLength = BinaryPrimitives.ReadInt32LittleEndian(span[40..]);
        var end = floats < 0 || slots is < 0 or > 2 || nameLength is < 0 or > 64 ? -1 : FixedHeader + nameLength + ((long)floats * 4 * (1 + slots));
        var groups = format == GroupsFormat && end >= 0 ? ReadGroups(span, end) : null;
        if (end < 0 || (format == GroupsFormat && groups is null) || end + (groups?.Bytes ?? 0) + 8 != bytes.Length)
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
            s1,
            groups?.Groups);
    }

    /// <summary>The group table of a format-2 snapshot at <paramref name="at"/>; null when it does not fit the bytes.</summary>
    private static (List<(string Optimizer, long Steps)> Groups, int Bytes)? ReadGroups(ReadOnlySpan<byte> span, long at)
    {
        var start = at;
        if (at + 4 > span.Length - 8)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(span[(int)at..]);
        at += 4;
        if (count is < 1 or > MaxGroups)
        {
            return null;
        }

        var groups = new List<(string, long)>(count);
        for (var g = 0; g < count; g++)
        {
            if (at + 12 > span.Length - 8)
            {
                return null;
            }

            var steps = BinaryPrimitives.ReadInt64LittleEndian(span[(int)at..]);
            var length = BinaryPrimitives.ReadInt32LittleEndian(span[(int)(at + 8)..]);
            if (length is < 0 or > 64 || at + 12 + length > span.Length - 8)
            {
                return null;
            }

            groups.Add((System.Text.Encoding.UTF8.GetString(span.Slice((int)(at + 12), length)), steps));
            at += 12 + length;
        }

        return (groups, (int)(at - start));
    }

    /// <summary>The persistence id of shard <paramref name="shard"/>'s snapshots in job <paramref name="jobId"/>.</summary>
    public static string PersistenceId(string jobId, int shard) => $"dtrain/{jobId}/shard-{shard}";
}

/// <summary>A checkpoint that cannot be used: missing, truncated, altered, or made for another layout.</summary>
public sealed class CorruptCheckpointException(string message) : Models.DtrainException(message);
