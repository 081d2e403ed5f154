// The error a malformed model file raises: always names the file, and the node when one is at fault.
namespace Dtrain.Models.Graph;

/// <summary>A model file that cannot be loaded; the message names the file and node at fault.</summary>
public sealed class ModelFileException : DtrainException
{
    /// <summary>Creates the error for <paramref name="file"/>, optionally at node <paramref name="node"/>.</summary>
    public ModelFileException(string file, string? node, string problem)
        : base(node is null ? $"{file}: {problem}" : $"{file}: node '{node}': {problem}")
    {
        File = file;
        Node = node;
        Problem = problem;
    }

    /// <summary>The model file.</summary>
    public string File { get; }

    /// <summary>The node at fault, if one is.</summary>
    public string? Node { get; }

    /// <summary>What is wrong, without the file and node prefix.</summary>
    public string Problem { get; }
}
