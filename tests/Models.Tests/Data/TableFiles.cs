// Small table files written into a temp folder for the format tests, and a sink that keeps what was encoded.
using System.IO.Compression;
using Dtrain.Models.Data;

namespace Dtrain.Models.Tests.Data;

/// <summary>A temp folder of table files, deleted on dispose.</summary>
public sealed class TableFiles : IDisposable
{
    /// <summary>The folder.</summary>
    public string Folder { get; } = Directory.CreateTempSubdirectory("dtrain-tables-").FullName;

    /// <summary>Writes <paramref name="text"/> (lines joined by \n) to <paramref name="name"/>, gzipped when the name ends in .gz.</summary>
    public string Write(string name, params string[] lines)
    {
        var path = Path.Combine(Folder, name);
        var text = lines.Length == 0 ? "" : string.Join("\n", lines) + "\n";
        if (name.EndsWith(".gz", StringComparison.Ordinal))
        {
            using var file = File.Create(path);
            using var gz = new GZipStream(file, CompressionLevel.Fastest);
            gz.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }
        else
        {
            File.WriteAllText(path, text);
        }

        return path;
    }

    /// <inheritdoc/>
    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>Keeps encoded examples in lists.</summary>
public sealed class ListSink : ExampleSink
{
    /// <summary>Features of each example written.</summary>
    public List<float[]> Features { get; } = [];

    /// <summary>Targets of each example written.</summary>
    public List<float[]> Targets { get; } = [];

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
    {
        Features.Add(features.ToArray());
        Targets.Add(targets.ToArray());
    }

    /// <summary>Encodes <paramref name="files"/> with <paramref name="schema"/> through <paramref name="format"/>.</summary>
    public static ListSink Of(IDataFormat format, DataSchema schema, params string[] files)
    {
        var sink = new ListSink();
        format.Encode(files, schema, sink);
        return sink;
    }
}
