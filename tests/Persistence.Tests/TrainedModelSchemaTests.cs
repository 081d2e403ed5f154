// The data schema travels inside a trained-model file, and files written before it did still load (as MNIST models).
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Dtrain.Models.Data;
using Dtrain.Protocol.Persistence;

namespace Dtrain.Protocol.Persistence.Tests;

public sealed class TrainedModelSchemaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("dtrain-dtmodel-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static DataSchema IrisSchema() => new()
    {
        Format = "csv",
        Task = LearningTask.Classification,
        FeatureShape = [4],
        TargetWidth = 1,
        ClassNames = ["setosa", "versicolor", "virginica"],
        Header = true,
        Columns =
        [
            new ColumnEncoding { Name = "sepal_length", Index = 0, Role = ColumnRole.Feature, Kind = ColumnKind.Numeric, Shift = 5.84f, Scale = 1.21f, Offset = 0 },
            new ColumnEncoding { Name = "colour", Index = 1, Role = ColumnRole.Feature, Kind = ColumnKind.Categorical, Categories = ["blue", "red"], Offset = 1 },
            new ColumnEncoding { Name = "note", Index = 2, Role = ColumnRole.Excluded, Kind = ColumnKind.Numeric },
            new ColumnEncoding { Name = "species", Index = 3, Role = ColumnRole.Label, Kind = ColumnKind.Categorical, Categories = ["setosa", "versicolor", "virginica"] },
        ],
    };

    [Fact]
    public void A_trained_model_file_carries_its_data_schema_through_write_and_read()
    {
        // Arrange
        var schema = IrisSchema();
        var path = Path.Combine(_dir, "iris.dtmodel");

        // Act
        new TrainedModel("iris.json", """{"nodes": []}""", [1f, 2f], new Dictionary<string, string> { ["job"] = "iris-1" }, schema).Write(path);
        var read = TrainedModel.Read(path);

        // Assert: the same schema, field by field (JSON is its canonical form).
        Assert.NotNull(read.StoredSchema);
        Assert.Equal(schema.ToJson(), read.Schema.ToJson());
        Assert.Equal(["setosa", "versicolor", "virginica"], read.Schema.ClassNames);
        Assert.Equal(["blue", "red"], read.Schema.Columns[1].Categories);
    }

    [Fact]
    public void A_trained_model_file_of_format_1_without_a_schema_loads_with_mnists_schema()
    {
        // Arrange: the bytes dtrain wrote before schemas travelled (format 1: origin, model JSON, parameters, CRC).
        var path = Path.Combine(_dir, "old.dtmodel");
        File.WriteAllBytes(path, FormatOne("""{"model_file":"mnist-mlp.json","origin":{"job":"old-1"}}""", """{"nodes": []}""", [0.5f, -1f, 2f]));

        // Act
        var read = TrainedModel.Read(path);

        // Assert
        Assert.Null(read.StoredSchema);
        Assert.Equal([0.5f, -1f, 2f], read.Parameters);
        Assert.Equal("mnist", read.Schema.Format);
        Assert.Equal(784, read.Schema.FeatureSize);
        Assert.Equal(Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)), read.Schema.ClassNames);
    }

    [Fact]
    public void A_trained_model_file_whose_schema_is_not_json_is_refused_in_one_line_naming_the_file()
    {
        // Arrange: a well-formed file (valid CRC) whose schema part is not JSON.
        var path = Path.Combine(_dir, "bad.dtmodel");
        new TrainedModel("m.json", "{}", [1f], new Dictionary<string, string>(), IrisSchema()).Write(path);
        var bytes = File.ReadAllBytes(path);
        var text = Encoding.UTF8.GetString(bytes);
        var at = text.IndexOf("\"format\": \"csv\"", StringComparison.Ordinal);
        Encoding.UTF8.GetBytes("\"format\"? \"csv\"").CopyTo(bytes, at);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), Crc64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)));
        File.WriteAllBytes(path, bytes);

        // Act
        var e = Assert.Throws<Models.DtrainException>(() => TrainedModel.Read(path));

        // Assert
        Assert.StartsWith($"{path}: the trained model's data schema: the data schema is not valid", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static byte[] FormatOne(string origin, string json, float[] parameters)
    {
        var o = Encoding.UTF8.GetBytes(origin);
        var j = Encoding.UTF8.GetBytes(json);
        var floats = MemoryMarshal.AsBytes(parameters.AsSpan());
        var bytes = new byte[8 + 4 + 4 + o.Length + 4 + j.Length + 4 + floats.Length + 8];
        "DTRNMODL"u8.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 1);
        var at = 12;
        foreach (var part in new[] { o, j })
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), part.Length);
            part.CopyTo(bytes, at + 4);
            at += 4 + part.Length;
        }

        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), parameters.Length);
        floats.CopyTo(bytes.AsSpan(at + 4));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(bytes.Length - 8), Crc64.HashToUInt64(bytes.AsSpan(0, bytes.Length - 8)));
        return bytes;
    }
}
