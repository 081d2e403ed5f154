// Where journals and checkpoints live: a SQLite file (the embedded default) or a PostgreSQL server, both through
// Akka.Persistence.Sql, whose tables are created on first use.
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Dtrain.Protocol.Persistence;

/// <summary>
/// The database behind the coordinator's journal and the shards' checkpoints, as a linq2db provider name and an
/// ADO.NET connection string.
/// </summary>
/// <param name="Provider">linq2db provider: <c>SQLite.MS</c> or <c>PostgreSQL.15</c>.</param>
/// <param name="ConnectionString">The connection string the provider opens.</param>
public sealed record Storage(string Provider, string ConnectionString)
{
    /// <summary>The variable a node or command reads when no <c>--db</c> flag is given.</summary>
    public const string Variable = "DTRAIN_DB";

    /// <summary>True for a SQLite file.</summary>
    public bool IsSqlite => Provider == SqliteProvider;

    private const string SqliteProvider = "SQLite.MS";
    private const string PostgresProvider = "PostgreSQL.15";

    /// <summary>A SQLite file at <paramref name="path"/> (its folder is created).</summary>
    public static Storage Sqlite(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);

        // One writer at a time: SQLite serializes them anyway, and a busy file waits 30 s before it errs.
        var builder = new SqliteConnectionStringBuilder { DataSource = full, DefaultTimeout = 30, Pooling = true };
        return new Storage(SqliteProvider, builder.ConnectionString);
    }

    /// <summary>
    /// Reads a <c>--db</c> value: <c>postgres://user:password@host:port/database</c>, a Npgsql connection string
    /// (<c>Host=...;Database=...</c>), <c>sqlite:PATH</c> or a path ending in <c>.db</c>; null or empty gives a SQLite
    /// file at <paramref name="defaultSqlitePath"/>. A value it cannot read is an error naming <paramref name="source"/>.
    /// </summary>
    public static Storage Parse(string? value, string defaultSqlitePath, string source = "--db")
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return Sqlite(defaultSqlitePath);
        }

        if (value.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            return Sqlite(value["sqlite:".Length..]);
        }

        if (value.EndsWith(".db", StringComparison.OrdinalIgnoreCase) && !value.Contains('='))
        {
            return Sqlite(value);
        }

        try
        {
            return new Storage(PostgresProvider, value.StartsWith("postgres", StringComparison.OrdinalIgnoreCase) && value.Contains("://") ? FromUrl(value) : new NpgsqlConnectionStringBuilder(value).ConnectionString);
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException or FormatException)
        {
            throw new Models.DtrainException($"{source}: cannot read '{Redact(value)}' as a database (expected postgres://user:password@host:port/database, Host=...;Database=..., or sqlite:PATH): {e.Message}");
        }
    }

    /// <summary>Where it points, without the password: what logs and errors show.</summary>
    public string Describe()
    {
        if (IsSqlite)
        {
            return $"sqlite {new SqliteConnectionStringBuilder(ConnectionString).DataSource}";
        }

        var b = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"postgresql {b.Username}@{b.Host}:{b.Port}/{b.Database}";
    }

    /// <summary>
    /// Prepares the database for several processes: a SQLite file switches to write-ahead logging, so readers do
    /// not block the writer. Fails with a clear message when the database cannot be opened.
    /// </summary>
    public void Prepare()
    {
        if (!IsSqlite)
        {
            CheckReachable();
            return;
        }

        try
        {
            using var connection = new SqliteConnection(ConnectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw new Models.DtrainException($"cannot open {Describe()}: {e.Message}");
        }
    }

    /// <summary>
    /// Opens one connection to the PostgreSQL server, waiting at most <see cref="ConnectLimit"/>: an unreachable server
    /// or refused login is one line naming the server (never its password), not a minute of retries by the plugin.
    /// </summary>
    private void CheckReachable()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Timeout = (int)ConnectLimit.TotalSeconds, Pooling = false };
        try
        {
            using var connection = new NpgsqlConnection(builder.ConnectionString);
            connection.Open();
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
        {
            var message = e.GetBaseException().Message.Split('\n')[0];
            if (builder.Password is { Length: > 0 } password)
            {
                message = message.Replace(password, "***", StringComparison.Ordinal);
            }

            throw new Models.DtrainException($"cannot reach {Describe()} within {ConnectLimit.TotalSeconds:F0} s: {message}");
        }
    }

    /// <summary>Longest the up-front connection check waits for the server.</summary>
    public static readonly TimeSpan ConnectLimit = TimeSpan.FromSeconds(5);

    /// <summary>
    /// True when <paramref name="system"/> was configured with a <see cref="Storage"/> (<see cref="ToConfig"/>). Without
    /// one a job takes no checkpoints: Akka's defaults would journal in memory and snapshot to local files.
    /// </summary>
    public static bool IsConfigured(Akka.Actor.ActorSystem system) =>
        system.Settings.Config.GetString("akka.persistence.journal.plugin", "") == "akka.persistence.journal.sql";

    /// <summary>HOCON that points Akka.Persistence's journal and snapshot store at this database.</summary>
    public Config ToConfig()
    {
        var cs = ConnectionString.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

        // SQLite takes one writer (parallelism 1); PostgreSQL the plugin's default of several.
        var parallelism = IsSqlite ? 1 : 3;
        return ConfigurationFactory.ParseString($$"""
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql { connection-string = "{{cs}}", provider-name = "{{Provider}}", parallelism = {{parallelism}}, auto-initialize = on, warn-on-auto-init-fail = on, circuit-breaker { max-failures = 10, call-timeout = 30s, reset-timeout = 2s } }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql { connection-string = "{{cs}}", provider-name = "{{Provider}}", auto-initialize = on, warn-on-auto-init-fail = on, circuit-breaker { max-failures = 10, call-timeout = 300s, reset-timeout = 2s } }
              }
            }
            """).WithFallback(Akka.Persistence.Sql.SqlPersistence.DefaultConfiguration);
    }

    private static string FromUrl(string url)
    {
        var uri = new Uri(url);
        var user = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = uri.AbsolutePath.Trim('/') is { Length: > 0 } db ? db : "postgres",
            Username = Uri.UnescapeDataString(user[0]),
        };
        if (user.Length > 1)
        {
            builder.Password = Uri.UnescapeDataString(user[1]);
        }

        return builder.ConnectionString;
    }

    private static string Redact(string value) =>
        System.Text.RegularExpressions.Regex.Replace(value, "(?i)(password=)[^;]*|(://[^:/@]*:)[^@]*@", m => m.Groups[1].Success ? m.Groups[1].Value + "***" : m.Groups[2].Value + "***@");
}
