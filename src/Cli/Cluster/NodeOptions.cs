// Where a cluster process reads its settings: a flag, else an environment variable, else the config file's
// dtrain section, else the default. The Akka configuration is built from the result.
using System.Security.Cryptography;
using System.Text;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;
using Dtrain.Models;
using Dtrain.Protocol.Transport;

namespace Dtrain.Cli.Cluster;

/// <summary>The transport and membership settings shared by nodes and clients (submit, status).</summary>
public sealed record NodeOptions
{
    /// <summary>Roles a node may have.</summary>
    public static readonly string[] KnownRoles = ["coordinator", "ps", "worker"];

    /// <summary>ActorSystem name: nodes of different clusters never join each other.</summary>
    public string ClusterName { get; init; } = "dtrain";

    /// <summary>Address the transport binds to (127.0.0.1 unless told otherwise).</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Address other nodes use to reach this one (defaults to <see cref="Host"/>; a pod's DNS name on Kubernetes).</summary>
    public string? PublicHost { get; init; }

    /// <summary>TCP port; 0 picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>Seed nodes as host:port.</summary>
    public IReadOnlyList<string> Seeds { get; init; } = [];

    /// <summary>Cluster roles of the node.</summary>
    public IReadOnlyList<string> Roles { get; init; } = KnownRoles;

    /// <summary>PKCS#12 certificate for TLS on the cluster transport, or null for plain TCP.</summary>
    public string? TlsCertificate { get; init; }

    /// <summary>Password of <see cref="TlsCertificate"/>.</summary>
    public string? TlsPassword { get; init; }

    /// <summary>File holding the cluster secret (at least 16 bytes, surrounding whitespace ignored) that bulk channel peers prove.</summary>
    public string? SecretFile { get; init; }

    /// <summary>Settings read from the user's config file (HOCON or JSON), layered under everything dtrain sets.</summary>
    public Config? File { get; init; }

    /// <summary>Reads the options common to every cluster command from flags, environment and the config file.</summary>
    public static NodeOptions Read(CommandLine cl)
    {
        var configPath = cl.String("--config") ?? Env("DTRAIN_CONFIG");
        var file = configPath is null ? null : ConfigFile.Load(configPath);
        var read = new HashSet<string>(StringComparer.Ordinal);

        string? Get(string flag, string env, string key)
        {
            // The file's value is checked even when a flag overrides it: a wrong type is an error, wherever it is.
            read.Add(key);
            var fromFile = ConfigFile.GetText(file, key, configPath!, list: key is "roles" or "seeds");
            return cl.String(flag) ?? Env(env) ?? fromFile;
        }

        var port = Get("--port", "DTRAIN_PORT", "port");
        var roles = Get("--roles", "DTRAIN_ROLES", "roles");
        var seeds = Get("--seeds", "DTRAIN_SEEDS", "seeds");
        var options = new NodeOptions
        {
            ClusterName = Get("--cluster-name", "DTRAIN_CLUSTER_NAME", "cluster-name") ?? "dtrain",
            Host = Get("--host", "DTRAIN_HOST", "host") ?? "127.0.0.1",
            PublicHost = Get("--public-host", "DTRAIN_PUBLIC_HOST", "public-host"),
            Port = port is null ? 0 : int.TryParse(port, out var p) && p is >= 0 and <= 65535 ? p : throw new UsageException($"--port expects a TCP port (0-65535), got '{Printable.Of(port)}'"),
            Seeds = seeds is null ? [] : Split(seeds),
            Roles = roles is null ? KnownRoles : Split(roles),
            TlsCertificate = Get("--tls-cert", "DTRAIN_TLS_CERT", "tls-cert"),
            TlsPassword = Get("--tls-password", "DTRAIN_TLS_PASSWORD", "tls-password"),
            SecretFile = Get("--secret-file", "DTRAIN_SECRET_FILE", "secret-file"),
            File = file,
        };
        ConfigFile.RejectUnknown(file, read, configPath!);
        options.Validate();
        return options;
    }

    /// <summary>The TLS certificate (PKCS#12) for the bulk data channel, or null without TLS.</summary>
    public X509Certificate2? LoadCertificate()
    {
        if (TlsCertificate is null)
        {
            return null;
        }

        try
        {
            return X509CertificateLoader.LoadPkcs12FromFile(TlsCertificate, TlsPassword);
        }
        catch (CryptographicException e)
        {
            throw new DtrainException($"--tls-cert: cannot read '{TlsCertificate}' (PKCS#12 with --tls-password): {e.Message}");
        }
    }

    /// <summary>
    /// The credentials of the bulk data channel: the cluster secret from <c>--secret-file</c> (or
    /// <c>DTRAIN_SECRET_FILE</c>, or the secret itself in <c>DTRAIN_SECRET</c>), and the TLS certificate when one is
    /// configured. Every node of a cluster must hold the same secret; without one a node does not start, since
    /// any local process could otherwise pull a shard's weights or push into it.
    /// </summary>
    public BulkCredentials LoadCredentials()
    {
        byte[] secret;
        string source;
        if (SecretFile is { } path)
        {
            source = $"--secret-file '{path}'";
            try
            {
                secret = Encoding.UTF8.GetBytes(System.IO.File.ReadAllText(path).Trim());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DtrainException($"{source}: cannot read the cluster secret: {e.Message}");
            }
        }
        else if (Env("DTRAIN_SECRET") is { } text)
        {
            source = "$DTRAIN_SECRET";
            secret = Encoding.UTF8.GetBytes(text.Trim());
        }
        else
        {
            throw new DtrainException(
                "no cluster secret: every node must hold the same one to open the bulk data channel; pass --secret-file FILE (or set DTRAIN_SECRET_FILE or DTRAIN_SECRET), e.g. after: head -c 32 /dev/urandom | base64 > FILE; chmod 600 FILE");
        }

        if (secret.Length < BulkCredentials.MinSecretBytes)
        {
            throw new DtrainException($"{source}: the cluster secret has {secret.Length} bytes; at least {BulkCredentials.MinSecretBytes} are needed (e.g. head -c 32 /dev/urandom | base64)");
        }

        return new BulkCredentials(secret, LoadCertificate());
    }

    /// <summary>
    /// Starts the ActorSystem named after the cluster. With <c>--tls-cert</c> the transport is mutual TLS and each
    /// side accepts only a peer presenting this very certificate (pinned by thumbprint): a node without it, or
    /// with another one (however well it chains to a trusted CA), cannot connect, let alone join. The pin is the
    /// SHA-256 thumbprint, as on the bulk data channel.
    /// </summary>
    public ActorSystem CreateSystem(Config config)
    {
        var setup = BootstrapSetup.Create().WithConfig(config);
        if (LoadCertificate() is not { } certificate)
        {
            return ActorSystem.Create(ClusterName, setup);
        }

        var pin = CertificatePin.Of(certificate);
        var ssl = new DotNettySslSetup(certificate, suppressValidation: false, requireMutualAuthentication: true, (peer, _, _, _, _) => CertificatePin.Matches(pin, peer));
        return ActorSystem.Create(ClusterName, setup.And(ssl));
    }

    /// <summary>Akka configuration of a cluster node with these options.</summary>
    public Config NodeConfig(string logLevel) =>
        ConfigurationFactory.ParseString($$"""
            akka.actor.provider = cluster
            akka.cluster {
              roles = [{{string.Join(", ", Roles.Select(Quote))}}]
              # A killed process must leave within half a minute: unreachable after the failure detector's pause,
              # then downed by the split-brain resolver (the majority side stays up). The pause is long enough that
              # a node starved of CPU by other work (a loaded CI machine, a long GC) is not taken for dead.
              downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
              split-brain-resolver {
                active-strategy = keep-majority
                stable-after = 7s
              }
              failure-detector {
                heartbeat-interval = 1s
                acceptable-heartbeat-pause = 15s
              }
              log-info = off
              run-coordinated-shutdown-when-down = on
              # Nodes start before the coordinator is up; registrars retry, so a missing singleton is no warning.
              singleton-proxy.log-singleton-identification-failure = off
            }
            akka.coordinated-shutdown.exit-clr = off
            """)
            .WithFallback(Transport(logLevel));

    /// <summary>Akka configuration of a client (submit, status): plain remoting, not a cluster member.</summary>
    public Config ClientConfig() =>
        ConfigurationFactory.ParseString("akka.actor.provider = remote").WithFallback(Transport("ERROR"));

    /// <summary>The address of a node given as host:port, in this cluster's ActorSystem name.</summary>
    public string AddressOf(string hostPort) => $"{(TlsCertificate is null ? "akka.tcp" : "akka.ssl.tcp")}://{ClusterName}@{hostPort}";

    private Config Transport(string logLevel)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = {{logLevel}}
            akka.stdout-loglevel = WARNING
            akka.log-dead-letters = 0
            akka.log-dead-letters-during-shutdown = off
            akka.remote.log-remote-lifecycle-events = off
            akka.remote.dot-netty.tcp {
              hostname = {{Quote(Host)}}
              {{(PublicHost is null ? "" : $"public-hostname = {Quote(PublicHost)}")}}
              port = {{Port}}
            }
            """);
        if (TlsCertificate is not null)
        {
            // The certificate itself comes through DotNettySslSetup (see CreateSystem), pinned on both sides.
            config = ConfigurationFactory.ParseString("akka.remote.dot-netty.tcp.enable-ssl = true").WithFallback(config);
        }

        config = config.WithFallback(Protocol.Serialization.WireConfig.Remote).WithFallback(Protocol.Serialization.WireConfig.Serialization).WithFallback(Protocol.Serialization.WireConfig.Dispatchers);
        return File is null ? config : config.WithFallback(File);
    }

    private void Validate()
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(ClusterName, "^[A-Za-z0-9][A-Za-z0-9_-]*$"))
        {
            throw new UsageException($"--cluster-name '{Printable.Of(ClusterName)}' must be letters, digits, '-' or '_'");
        }

        foreach (var role in Roles)
        {
            if (!KnownRoles.Contains(role))
            {
                throw new UsageException($"--roles: unknown role '{Printable.Of(role)}'; known: {string.Join(", ", KnownRoles)}");
            }
        }

        foreach (var seed in Seeds)
        {
            CheckHostPort("--seeds", seed);
        }

        if (TlsCertificate is not null && !System.IO.File.Exists(TlsCertificate))
        {
            throw new DtrainException($"--tls-cert: certificate file '{Printable.Of(TlsCertificate)}' does not exist");
        }
    }

    /// <summary>Checks a host:port argument and names the flag when it is malformed.</summary>
    public static string CheckHostPort(string flag, string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value[(colon + 1)..], out var port) || port is < 1 or > 65535)
        {
            throw new UsageException($"{flag} expects host:port, got '{Printable.Of(value)}'");
        }

        return value;
    }

    private static string[] Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
