// When each group of gradient ranges is final during backward, so a worker can send one shard its part while
// backward goes on: a parameter's gradient is written only by the node that owns it and, for a parameter node,
// by that node's consumers, all of which come after it in execution order and so run before it in backward.
using Dtrain.Models.Graph;

namespace Dtrain.Models.Autodiff;

/// <summary>
/// Groups of ranges of the flat gradient vector (a shard's chunks) and the callback to run as soon as a group's
/// gradients are final in <see cref="GraphExecutor.Backward"/>. Each group is reported once per backward pass,
/// in the order backward finishes them; a group with no ranges is reported when backward starts.
/// </summary>
public sealed class GradientReadiness
{
    private readonly int[] _order;
    private readonly int[] _finalAfter;
    private readonly Action<int> _ready;
    private int _next;

    /// <summary>
    /// <paramref name="groups"/>[g] lists (offset, length) ranges of the flat gradient vector; <paramref name="ready"/>
    /// receives g once every float in them is final.
    /// </summary>
    public GradientReadiness(CompiledModel model, IReadOnlyList<IReadOnlyList<(int Offset, int Length)>> groups, Action<int> ready)
    {
        var owner = new int[model.Parameters.Count];
        for (var n = 0; n < model.Nodes.Count; n++)
        {
            foreach (var p in model.Nodes[n].Parameters)
            {
                owner[p] = n;
            }
        }

        _finalAfter = new int[groups.Count];
        for (var g = 0; g < groups.Count; g++)
        {
            // Final once backward has passed the earliest (in execution order) owner of any parameter it touches.
            var finalAfter = int.MaxValue;
            foreach (var (offset, length) in groups[g])
            {
                foreach (var p in model.Parameters)
                {
                    if (length > 0 && p.Offset < offset + length && offset < p.Offset + p.Size)
                    {
                        finalAfter = Math.Min(finalAfter, owner[p.Index]);
                    }
                }
            }

            _finalAfter[g] = finalAfter;
        }

        _order = Enumerable.Range(0, groups.Count).OrderByDescending(g => _finalAfter[g]).ThenBy(g => g).ToArray();
        _ready = ready;
    }

    /// <summary>Index of the node after whose backward group <paramref name="group"/> is final (int.MaxValue: from the start).</summary>
    public int FinalAfter(int group) => _finalAfter[group];

    /// <summary>Backward starts: report the groups no node writes.</summary>
    internal void Begin()
    {
        _next = 0;
        Passed(int.MaxValue);
    }

    /// <summary>Backward has run (or skipped) node <paramref name="node"/> and every node after it.</summary>
    internal void Passed(int node)
    {
        while (_next < _order.Length && _finalAfter[_order[_next]] >= node)
        {
            _ready(_order[_next++]);
        }
    }

    /// <summary>Backward ended: every group is final.</summary>
    internal void End() => Passed(int.MinValue);
}
