// NumPy .npz archives (numpy.savez or savez_compressed: a zip, stored or deflated) holding arrays 'x' (features)
// and, optionally, 'y' (labels); each member is streamed out of the archive, never held whole.
using System.IO.Compression;

namespace Dtrain.Models.Data.Formats;

/// <summary>The <c>npz</c> format.</summary>
public sealed class NpzFormat : IDataFormat
{
    /// <inheritdoc/>
    public string Name => "npz";

    /// <inheritdoc/>
    public IReadOnlyList<string> Extensions { get; } = [".npz"];

    /// <inheritdoc/>
    public DataSchema Learn(IReadOnlyList<string> files, DataSpec spec, Func<long, bool> inTraining) =>
        ArrayEncoding.Learn(Name, files.Select(Opener), spec, inTraining, null);

    /// <inheritdoc/>
    public void Encode(IReadOnlyList<string> files, DataSchema schema, ExampleSink sink) =>
        ArrayEncoding.Encode(files.Select(Opener), schema, sink);

    /// <inheritdoc/>
    public DataInspection Inspect(IReadOnlyList<string> files, DataSpec spec) => ArrayInspection.Inspect(this, files, spec);

    private static Func<ArrayPair> Opener(string path) => () =>
    {
        var features = Member(path, ["x", "X"], required: true)!;
        try
        {
            return new ArrayPair(features, Member(path, ["y", "Y"], required: false));
        }
        catch
        {
            features.Dispose();
            throw;
        }
    };

    /// <summary>Opens the first of <paramref name="names"/> in its own archive handle, so x and y stream side by side.</summary>
    private static TensorReader? Member(string path, string[] names, bool required)
    {
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(File.OpenRead(path), ZipArchiveMode.Read);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new DtrainException($"{path}: not a readable NPZ (zip) file: {e.Message}", e);
        }

        var entry = names.Select(n => archive.GetEntry(n + ".npy")).FirstOrDefault(e => e is not null);
        if (entry is null)
        {
            var members = string.Join(", ", archive.Entries.Select(e => Path.GetFileNameWithoutExtension(e.FullName)));
            archive.Dispose();
            return required ? throw new DtrainException($"{path}: holds no array 'x' for the features (it holds: {members}); save with numpy.savez(file, x=features, y=labels)") : null;
        }

        try
        {
            return NpyFile.Open(new OwningStream(entry.Open(), archive), $"{path}:{entry.FullName}");
        }
        catch (InvalidDataException e)
        {
            archive.Dispose();
            throw new DtrainException($"{path}: member {entry.FullName} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>A member's stream that also closes its archive.</summary>
    private sealed class OwningStream(Stream inner, IDisposable owner) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => inner.Read(buffer);

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                owner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
