// Seeded fuzzing of NumPy .npy files as the npy format reads them: headers of any dtype, order and shape (huge,
// zero, negative, scalar) over data shorter or longer than declared, plain or gzip. Each trains (learn and encode)
// or is refused in one line, and a header that declares gigabytes never costs gigabytes.
using System.IO.Compression;
using System.Text;
using CsCheck;
using Dtrain.Models.Data;
using Dtrain.Models.Data.Formats;

namespace Dtrain.Fuzz.Tests;

public sealed class ArrayFileFuzzTests : IDisposable
{
    private static readonly string[] Descrs = ["<f4", "<f8", "|u1", "|i1", "<i2", "<i4", "<i8", ">f4", "<c8", "|b1", "<U3", "|O", "f4", "<f2", ""];
    private static readonly string[] Dimensions = ["0", "1", "2", "3", "28", "60000", "2147483648", "99999999999999999999", "-1", "4L", "x"];

    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-npy-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Crafted_npy_files_are_learned_and_encoded_or_refused_in_one_line()
    {
        var header = Gen.Select(Gen.Int[0, Descrs.Length - 1], Gen.Bool, Gen.Int[0, Dimensions.Length - 1].Array[0, 4]);
        var cases = Gen.Select(header, Gen.Int[-8, 512], Gen.Bool, Gen.Int[0, 2]);
        cases.Sample(
            (h, extra, gzip, version) =>
            {
                var (descr, fortran, dims) = h;
                var shape = string.Join(", ", dims.Select(d => Dimensions[d])) + (dims.Length == 1 ? "," : "");
                var dict = $"{{'descr': '{Descrs[descr]}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({shape}), }}\n";
                var text = Encoding.ASCII.GetBytes(dict);
                var prefix = version == 0 ? new byte[10] : new byte[12];
                prefix[0] = 0x93;
                "NUMPY"u8.CopyTo(prefix.AsSpan(1));
                prefix[6] = (byte)(version == 0 ? 1 : 2);
                if (version == 0)
                    BitConverter.TryWriteBytes(prefix.AsSpan(8), (ushort)text.Length);
                else
                    BitConverter.TryWriteBytes(prefix.AsSpan(8), version == 2 ? uint.MaxValue : (uint)text.Length);
                var data = new byte[Math.Max(0, 64 + extra)];
                var bytes = prefix.Concat(text).Concat(data).ToArray();
                var path = Path.Combine(_dir, gzip ? "x.npy.gz" : "x.npy");
                File.Delete(Path.Combine(_dir, "x.npy"));
                File.Delete(Path.Combine(_dir, "x.npy.gz"));
                if (gzip)
                {
                    using var file = File.Create(path);
                    using var zip = new GZipStream(file, CompressionLevel.Fastest);
                    zip.Write(bytes);
                }
                else
                {
                    File.WriteAllBytes(path, bytes);
                }

                var format = new NpyFormat();
                RefusalCheck.AcceptedOrRefusedInOneLine(
                    () =>
                    {
                        var schema = format.Learn([path], new DataSpec(), _ => true);
                        format.Encode([path], schema, new DiscardingSink());
                    },
                    () => $"{dict.Trim()} over {data.Length} data bytes, gzip {gzip}, version {version}");
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1);
    }

    private sealed class DiscardingSink : ExampleSink
    {
        public override void Write(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
        {
        }
    }
}
