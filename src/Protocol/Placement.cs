// Where each parameter chunk lives: fixed-size chunks of each tensor, spread over shards balancing bytes.
using Dtrain.Models.Graph;
using MessagePack;

namespace Dtrain.Protocol;

/// <summary>One chunk of one parameter tensor; its key is (Tensor, Index).</summary>
/// <param name="Tensor">Parameter index in the compiled model.</param>
/// <param name="Index">Chunk index within the tensor.</param>
/// <param name="Offset">First float of the chunk in the flat parameter vector.</param>
/// <param name="Length">Floats in the chunk.</param>
/// <param name="State">
/// True for model state that is not trained by gradient (batch-norm running statistics): pushes carry
/// the worker's values for it and the shard stores them as they are.
/// </param>
/// <param name="Group">
/// The parameter group of its tensor (<see cref="TrainingProgram.Groups"/>; 0, <c>default</c>, in a v1 model): the
/// shard applies the group's optimizer to it, and only when a push names the group.
/// </param>
[MessagePackObject]
public sealed record ChunkInfo(
    [property: Key(0)] int Tensor,
    [property: Key(1)] int Index,
    [property: Key(2)] int Offset,
    [property: Key(3)] int Length,
    [property: Key(4)] bool State = false,
    [property: Key(5)] int Group = 0);

/// <summary>Static helpers that cut parameters into chunks and place them on shards.</summary>
public static class ChunkPlacement
{
    /// <summary>
    /// Cuts every parameter tensor into chunks of at most <paramref name="chunkSize"/> floats and assigns
    /// them to <paramref name="shards"/> shards, largest first to the least-loaded shard (LPT greedy), so
    /// shard byte counts differ by at most one chunk. Each shard's list is in flat-vector order.
    /// </summary>
    public static ChunkInfo[][] Plan(CompiledModel model, int chunkSize, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        var chunks = new List<ChunkInfo>();
        foreach (var p in model.Parameters)
        {
            for (int start = 0, index = 0; start < p.Size; start += chunkSize, index++)
            {
                // Cut per tensor, so a chunk never holds two groups' parameters.
                chunks.Add(new ChunkInfo(p.Index, index, p.Offset + start, Math.Min(chunkSize, p.Size - start), !p.Spec.Trainable, model.Program.GroupOf(p.Index)));
            }
        }

        var load = new long[shards];
        var plan = Enumerable.Range(0, shards).Select(_ => new List<ChunkInfo>()).ToArray();
        foreach (var chunk in chunks.OrderByDescending(c => c.Length).ThenBy(c => c.Offset))
        {
            var target = Array.IndexOf(load, load.Min());
            plan[target].Add(chunk);
            load[target] += chunk.Length;
        }

        return plan.Select(list => list.OrderBy(c => c.Offset).ToArray()).ToArray();
    }

    /// <summary>Total floats of a shard's chunks (the length of its push and pull payloads).</summary>
    public static int Floats(IReadOnlyList<ChunkInfo> chunks) => chunks.Sum(c => c.Length);

    /// <summary>Copies a shard's chunks out of the flat vector into one contiguous payload.</summary>
    public static void Gather(ReadOnlySpan<float> flat, IReadOnlyList<ChunkInfo> chunks, Span<float> payload)
    {
        var at = 0;
        foreach (var c in chunks)
        {
            flat.Slice(c.Offset, c.Length).CopyTo(payload.Slice(at, c.Length));
            at += c.Length;
        }
    }

    /// <summary>
    /// Runs of consecutive chunks of one kind and group, in payload coordinates: the shard applies the group's optimizer
    /// to the trainable runs and stores the state runs.
    /// </summary>
    public static IReadOnlyList<(int Start, int Length, bool State, int Group)> Runs(IReadOnlyList<ChunkInfo> chunks)
    {
        var runs = new List<(int Start, int Length, bool State, int Group)>();
        var at = 0;
        foreach (var c in chunks)
        {
            if (runs.Count > 0 && runs[^1].State == c.State && runs[^1].Group == c.Group)
            {
                runs[^1] = runs[^1] with { Length = runs[^1].Length + c.Length };
            }
            else
            {
                runs.Add((at, c.Length, c.State, c.Group));
            }

            at += c.Length;
        }

        return runs;
    }

    /// <summary>Copies a contiguous payload back into the shard's chunks of the flat vector.</summary>
    public static void Scatter(ReadOnlySpan<float> payload, IReadOnlyList<ChunkInfo> chunks, Span<float> flat)
    {
        var at = 0;
        foreach (var c in chunks)
        {
            payload.Slice(at, c.Length).CopyTo(flat.Slice(c.Offset, c.Length));
            at += c.Length;
        }
    }
}
