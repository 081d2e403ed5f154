// Writes encoded examples into an encoded cache file (EncodedCache), through a temporary file renamed into place
// only once complete, so a crash or a concurrent run never leaves a half-written cache under the final name.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Dtrain.Models.Data;

/// <summary>
/// An <see cref="ExampleSink"/> that appends fixed-size records to a cache file. <see cref="Complete"/> writes the
/// final header (rows and CRC) and moves the file to its name; <see cref="Dispose"/> without it deletes the partial file.
/// </summary>
public sealed class CacheFileSink : ExampleSink, IDisposable
{
    private readonly string _path;
    private readonly string _temporary;
    private readonly FileStream _stream;
    private readonly LearningTask _task;
    private readonly int _classes;
    private readonly int[] _featureShape;
    private readonly int _featureSize;
    private readonly int _storedTargets;
    private readonly byte[] _record;
    private readonly Action<long>? _progress;
    private readonly TimeSpan _progressEvery;
    private readonly Stopwatch _sinceProgress = Stopwatch.StartNew();
    private bool _completed;

    /// <summary>Opens a sink that will become <paramref name="path"/> for examples of <paramref name="schema"/>'s shape.</summary>
    /// <param name="path">The cache file to write (replaced when complete).</param>
    /// <param name="schema">Gives the feature shape, task, class count and target width of every record.</param>
    /// <param name="progress">Called with the rows written so far about every <paramref name="progressEvery"/>; null for none.</param>
    /// <param name="progressEvery">How often progress is reported (default 5 seconds).</param>
    public CacheFileSink(string path, DataSchema schema, Action<long>? progress = null, TimeSpan? progressEvery = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _path = path;
        _task = schema.Task;
        _classes = schema.Classes;
        _featureShape = (int[])schema.FeatureShape.Clone();
        _featureSize = schema.FeatureSize;
        _storedTargets = schema.Task == LearningTask.Reconstruction ? 0 : schema.TargetWidth;
        _record = new byte[4 * (_featureSize + _storedTargets)];
        _progress = progress;
        _progressEvery = progressEvery ?? TimeSpan.FromSeconds(5);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        _stream = new FileStream(_temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        _stream.Write(new byte[EncodedCache.HeaderBytes]);
    }

    /// <summary>Examples written so far.</summary>
    public long Rows { get; private set; }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
    {
        if (features.Length != _featureSize)
        {
            throw new ArgumentException($"an example of {_featureSize} features was expected for {_path}, got {features.Length}", nameof(features));
        }

        if (targets.Length != _storedTargets && !(_storedTargets == 0 && targets.Length == _featureSize))
        {
            throw new ArgumentException($"an example of {_storedTargets} targets was expected for {_path}, got {targets.Length}", nameof(targets));
        }

        var record = _record.AsSpan();
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(features).CopyTo(record);
            MemoryMarshal.AsBytes(targets[..(_storedTargets)]).CopyTo(record[(4 * _featureSize)..]);
        }
        else
        {
            for (var i = 0; i < features.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(record[(4 * i)..], features[i]);
            }

            for (var i = 0; i < _storedTargets; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(record[(4 * (_featureSize + i))..], targets[i]);
            }
        }

        _stream.Write(record);
        Rows++;
        if (_progress is not null && _sinceProgress.Elapsed >= _progressEvery)
        {
            _progress(Rows);
            _sinceProgress.Restart();
        }
    }

    /// <summary>Writes the header and moves the finished file to its name; returns the header written.</summary>
    public EncodedCache.Header Complete()
    {
        var header = new EncodedCache.Header(Rows, _task, _classes, _featureShape, _storedTargets);
        _stream.Position = 0;
        _stream.Write(EncodedCache.WriteHeader(header));
        _stream.Flush(flushToDisk: false);
        _stream.Dispose();
        File.Move(_temporary, _path, overwrite: true);
        _completed = true;
        return header;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_completed)
        {
            return;
        }

        _stream.Dispose();
        try
        {
            File.Delete(_temporary);
        }
        catch (IOException)
        {
            // A partial file left behind is never read: it has a temporary name.
        }
    }
}

/// <summary>Routes row <c>i</c> of one encoding pass to one of two sinks (training rows and the validation split).</summary>
/// <param name="inTraining">Whether row <c>i</c> (0-based) is a training row.</param>
/// <param name="training">Receives the training rows.</param>
/// <param name="validation">Receives the others.</param>
public sealed class SplitSink(Func<long, bool> inTraining, ExampleSink training, ExampleSink validation) : ExampleSink
{
    private long _row;

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets) =>
        (inTraining(_row++) ? training : validation).Write(features, targets);
}
