// The real databases checkpoint tests run against: a fresh SQLite file, and the PostgreSQL server .ci/run starts.
using Dtrain.Protocol.Persistence;
using Npgsql;

namespace Dtrain.ParameterServer.Tests;

internal static class TestDatabases
{
    /// <summary>The server the tests use: $DTRAIN_TEST_POSTGRES, else the one .ci/run starts on loopback.</summary>
    public static string PostgresUrl =>
        Environment.GetEnvironmentVariable("DTRAIN_TEST_POSTGRES") is { Length: > 0 } url ? url : "postgres://postgres:postgres@127.0.0.1:5432/postgres";

    /// <summary>A new SQLite file in a new temporary folder.</summary>
    public static Storage NewSqlite() =>
        Storage.Sqlite(Path.Combine(Directory.CreateTempSubdirectory("dtrain-ckpt-").FullName, "dtrain.db"));

    /// <summary>The PostgreSQL server, or null with the reason it cannot be reached (the test then skips, saying so).</summary>
    public static (Storage? Storage, string Reason) Postgres()
    {
        var storage = Storage.Parse(PostgresUrl, "unused.db");
        try
        {
            using var connection = new NpgsqlConnection(storage.ConnectionString);
            connection.Open();
            return (storage, "");
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return (null, $"no PostgreSQL server at {storage.Describe()} ({e.Message}); .ci/run installs and starts one, or set DTRAIN_TEST_POSTGRES");
        }
    }
}
