// Who may use a bulk server, over real loopback sockets: only peers proving the cluster secret reach a target;
// what the others can cost the server (memory, threads, connections, time) is bounded; TLS is pinned.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol.Serialization;
using Dtrain.Protocol.Transport;
using MessagePack;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Protocol.Transport.Tests;

[Collection(BulkChannel.Collection)]
public sealed class BulkAuthenticationTests : TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private readonly ActorSystem _client = ActorSystem.Create("auth-client", WireConfig.SingleProcess(serializeMessages: true));
    private readonly Akka.TestKit.TestProbe _shard;
    private readonly List<TcpClient> _raw = [];
    private BulkServer _server = null!;

    public BulkAuthenticationTests() : base(WireConfig.SingleProcess(serializeMessages: true), "auth-server")
    {
        _shard = CreateTestProbe();
    }

    public Task InitializeAsync()
    {
        _server = Start(BulkServerLimits.Default);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _raw.ForEach(c => c.Dispose());
        await _client.Terminate();
        await _server.DisposeAsync();
    }

    [Fact]
    public void A_client_holding_another_secret_is_refused_and_nothing_it_sends_reaches_the_shard()
    {
        // Arrange
        var outsider = BulkClient.Connect(_client, _server.Endpoint, "ps-0", new BulkCredentials(RandomNumberGenerator.GetBytes(32)));
        var member = BulkClient.Connect(_client, _server.Endpoint, "ps-0", new BulkCredentials(_secret));
        var sender = CreateTestProbe(_client);

        // Act
        outsider.Tell(new Push(0, 1L << 62, 0, FloatBuffer.CopyOf([0f])), sender.Ref);
        outsider.Tell(new Pull(1, -1), sender.Ref);

        // Assert: both fail back to their sender, naming the secret; the shard sees only the member's pull.
        var failed = sender.ExpectMsg<BulkDeliveryFailed>(Wait);
        Assert.Contains("cluster secret", failed.Reason);
        sender.ExpectMsg<BulkDeliveryFailed>(Wait);
        member.Tell(new Pull(2, -1), sender.Ref);
        Assert.Equal(2, _shard.ExpectMsg<Pull>(Wait).RequestId);
        _shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void A_pull_or_push_sent_before_the_handshake_is_never_delivered_and_closes_the_connection()
    {
        // Arrange: a raw peer that reads the challenge and skips the Hello.
        var pull = RawConnect();
        var push = RawConnect();
        Assert.Equal(Challenge, ReadFrame(pull).Kind);
        Assert.Equal(Challenge, ReadFrame(push).Kind);

        // Act
        pull.Write(Message(new Pull(7, -1)));
        push.Write(Message(new Push(3, 1L << 62, 0, null!)));

        // Assert
        AssertClosed(pull);
        AssertClosed(push);
        _shard.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_hello_with_a_forged_proof_is_refused_and_the_pull_after_it_is_never_delivered()
    {
        // Arrange
        var stream = RawConnect();
        var challenge = ReadFrame(stream);

        // Act: a proof over the right challenge, with the wrong key.
        var nonce = RandomNumberGenerator.GetBytes(32);
        var forged = Proof(RandomNumberGenerator.GetBytes(32), "dtrain-bulk client", challenge.Body, nonce, "ps-0");
        stream.Write([.. Frame(Hello, "ps-0", [.. nonce, .. forged]), .. Message(new Pull(8, -1))]);

        // Assert
        var answer = ReadFrame(stream);
        Assert.Equal(Refused, answer.Kind);
        Assert.Contains("cluster secret", answer.Manifest);
        AssertClosed(stream);
        _shard.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_raw_peer_that_proves_the_secret_is_served_so_the_refusals_above_are_about_the_secret()
    {
        // Arrange
        var stream = Authenticate("ps-0");

        // Act
        stream.Write(Message(new Pull(9, -1)));

        // Assert
        Assert.Equal(9, _shard.ExpectMsg<Pull>(Wait).RequestId);
    }

    [Fact]
    public void Once_authenticated_a_reply_far_bigger_than_the_handshake_cap_reaches_the_client()
    {
        // Arrange
        var member = BulkClient.Connect(_client, _server.Endpoint, "ps-0", new BulkCredentials(_secret));
        var sender = CreateTestProbe(_client);
        member.Tell(new Pull(3, -1), sender.Ref);
        _shard.ExpectMsg<Pull>(Wait);

        // Act: 5,000 characters of reason, where the handshake allowed 1 KiB frames.
        _shard.Reply(new InitShardRejected(0, new string('r', 5000)));

        // Assert
        Assert.Equal(5000, sender.ExpectMsg<InitShardRejected>(Wait).Reason.Length);
    }

    [Fact]
    public void Hello_frames_announcing_256_MiB_make_the_server_allocate_next_to_nothing()
    {
        // Arrange
        var before = GC.GetTotalAllocatedBytes(precise: true);

        // Act: twenty peers each announce a 256 MiB Hello, then send its first bytes and wait.
        var streams = Enumerable.Range(0, 20).Select(_ => RawConnect()).ToList();
        foreach (var stream in streams)
        {
            ReadFrame(stream);
            var header = Frame(Hello, "ps-0", new byte[64]);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), 256 << 20);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), (256 << 20) - 100);
            stream.Write(header);
        }

        // Assert: each is closed, and the server sized nothing from what they announced.
        streams.ForEach(AssertClosed);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 64L << 20, $"the server allocated {allocated >> 20} MiB for 20 unauthenticated 256 MiB hellos");
    }

    [Fact]
    public async Task Idle_authenticated_connections_hold_no_thread_each()
    {
        // Arrange
        var threadsBefore = ThreadCount();

        // Act: 300 peers authenticate and then stay silent.
        var streams = Enumerable.Range(0, 300).Select(_ => Authenticate("ps-0")).ToList();
        await Task.Delay(500);

        // Assert: the old design held a reader and a writer thread per connection (+600 here).
        var grown = ThreadCount() - threadsBefore;
        Assert.Equal(300, _server.Sessions);
        Assert.True(grown < 60, $"300 idle connections added {grown} threads");
        streams[^1].Write(Message(new Pull(300, -1)));
        Assert.Equal(300, _shard.ExpectMsg<Pull>(Wait).RequestId);
    }

    [Fact]
    public async Task Connections_past_the_session_limit_are_closed_before_any_byte_is_read()
    {
        // Arrange
        await using var small = Start(BulkServerLimits.Default with { MaxSessions = 4 });
        var members = Enumerable.Range(0, 4).Select(_ => Authenticate("ps-0", small.Endpoint)).ToList();

        // Act
        var extra = RawConnect(small.Endpoint);

        // Assert: no challenge, just the end; the four members are still served.
        AssertClosed(extra);
        members[0].Write(Message(new Pull(40, -1)));
        Assert.Equal(40, _shard.ExpectMsg<Pull>(Wait).RequestId);
    }

    [Fact]
    public async Task A_peer_that_stalls_its_handshake_is_disconnected_at_the_deadline()
    {
        // Arrange
        await using var strict = Start(BulkServerLimits.Default with { HandshakeTimeout = TimeSpan.FromSeconds(1) });
        var stream = RawConnect(strict.Endpoint);
        ReadFrame(stream);
        var clock = Stopwatch.StartNew();

        // Act: half a Hello header, then nothing.
        stream.Write(Frame(Hello, "ps-0", new byte[64])[..10]);

        // Assert
        AssertClosed(stream);
        Assert.InRange(clock.Elapsed.TotalSeconds, 0.5, 4);
    }

    [Fact]
    public async Task A_server_that_cannot_prove_the_secret_gets_nothing_from_the_client()
    {
        // Arrange: an impostor on a port that sends a challenge and welcomes anything with a made-up proof.
        using var impostor = new TcpListener(System.Net.IPAddress.Loopback, 0);
        impostor.Start();
        var received = new List<byte>();
        var serving = Task.Run(async () =>
        {
            using var peer = await impostor.AcceptTcpClientAsync();
            var stream = peer.GetStream();
            stream.Write(Frame(Challenge, "", RandomNumberGenerator.GetBytes(32)));
            var hello = ReadFrame(stream);
            stream.Write(Frame(Welcome, "", RandomNumberGenerator.GetBytes(32)));
            var rest = new byte[4096];
            int read;
            while ((read = stream.Read(rest)) > 0)
            {
                received.AddRange(rest[..read]);
            }

            return hello.Manifest;
        });
        var proxy = BulkClient.Connect(_client, $"127.0.0.1:{((System.Net.IPEndPoint)impostor.LocalEndpoint).Port}", "ps-0", new BulkCredentials(_secret));
        var sender = CreateTestProbe(_client);

        // Act
        proxy.Tell(new Push(0, 1, 0, FloatBuffer.CopyOf([1f])), sender.Ref);

        // Assert
        Assert.Contains("does not prove the cluster secret", sender.ExpectMsg<BulkDeliveryFailed>(Wait).Reason);
        Assert.Equal("ps-0", await serving.WaitAsync(Wait));
        Assert.Empty(received);
    }

    [Fact]
    public async Task Tls_turns_away_a_certificate_that_chains_to_a_trusted_ca_but_is_not_the_cluster_certificate()
    {
        // Arrange: a CA this user's chain building trusts, and a client certificate it issued (chain-valid).
        using var ca = Certificates.Authority("dtrain-test-ca");
        using var stranger = Certificates.IssuedBy(ca, "trusted-stranger");
        using var cluster = Certificates.SelfSigned("dtrain-cluster");
        using var roots = new X509Store(StoreName.Root, StoreLocation.CurrentUser);
        roots.Open(OpenFlags.ReadWrite);
        using var caPublic = X509CertificateLoader.LoadCertificate(ca.Export(X509ContentType.Cert));
        roots.Add(caPublic);
        try
        {
            using var chain = new X509Chain { ChainPolicy = { RevocationMode = X509RevocationMode.NoCheck } };
            Assert.True(chain.Build(stranger), "the stranger's certificate should chain to the trusted test CA");
            await using var tls = Start(BulkServerLimits.Default, new BulkCredentials(_secret, cluster));
            var (host, port) = Split(tls.Endpoint);
            using var tcp = new TcpClient(host, port);
            using var ssl = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);

            // Act
            var handshake = async () =>
            {
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host, ClientCertificates = [stranger] });
                ssl.ReadTimeout = (int)Wait.TotalMilliseconds;
                return ReadFrame(ssl).Kind; // TLS 1.3 reports a refused client certificate on the first read
            };

            // Assert: no challenge ever comes; the member with the cluster certificate is served.
            await Assert.ThrowsAnyAsync<Exception>(handshake);
            var member = BulkClient.Connect(_client, tls.Endpoint, "ps-0", new BulkCredentials(_secret, cluster));
            member.Tell(new Pull(11, -1));
            Assert.Equal(11, _shard.ExpectMsg<Pull>(Wait).RequestId);
            _shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        }
        finally
        {
            roots.Remove(caPublic);
        }
    }

    private const byte Hello = 1;
    private const byte Welcome = 2;
    private const byte Refused = 3;
    private const byte Challenge = 7;

    private BulkServer Start(BulkServerLimits limits, BulkCredentials? credentials = null) =>
        BulkServer.Start(Sys, "127.0.0.1", 0, name => name == "ps-0" ? _shard.Ref : null, credentials ?? new BulkCredentials(_secret), limits);

    private NetworkStream RawConnect(string? endpoint = null)
    {
        var (host, port) = Split(endpoint ?? _server.Endpoint);
        var client = new TcpClient(host, port);
        _raw.Add(client);
        var stream = client.GetStream();
        stream.ReadTimeout = (int)Wait.TotalMilliseconds;
        return stream;
    }

    /// <summary>The handshake as the protocol describes it, written here from its definition rather than the product's code.</summary>
    private NetworkStream Authenticate(string target, string? endpoint = null)
    {
        var stream = RawConnect(endpoint);
        var challenge = ReadFrame(stream);
        Assert.Equal((Challenge, 32), (challenge.Kind, challenge.Body.Length));
        var nonce = RandomNumberGenerator.GetBytes(32);
        stream.Write(Frame(Hello, target, [.. nonce, .. Proof(_secret, "dtrain-bulk client", challenge.Body, nonce, target)]));
        var welcome = ReadFrame(stream);
        Assert.Equal(Welcome, welcome.Kind);
        Assert.Equal(Proof(_secret, "dtrain-bulk server", challenge.Body, nonce, target), welcome.Body);
        return stream;
    }

    private static byte[] Proof(byte[] secret, string role, byte[] challenge, byte[] nonce, string target) =>
        HMACSHA256.HashData(secret, (byte[])[.. Encoding.ASCII.GetBytes(role), .. challenge, .. nonce, .. Encoding.UTF8.GetBytes(target)]);

    /// <summary>A frame in the documented layout: "DTB2", length, kind, payloads, manifest bytes, body bytes, seq, route.</summary>
    internal static byte[] Frame(byte kind, string manifest, byte[] body, long seq = 0)
    {
        var m = Encoding.UTF8.GetBytes(manifest);
        var frame = new byte[32 + m.Length + body.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 0x32425444);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), frame.Length - 8);
        frame[8] = kind;
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(10), (ushort)m.Length);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(12), body.Length);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(16), seq);
        m.CopyTo(frame, 32);
        body.CopyTo(frame, 32 + m.Length);
        return frame;
    }

    private static byte[] Message<T>(T message) where T : IWireMessage =>
        Frame(4, typeof(T).FullName!, MessagePackSerializer.Serialize(message), seq: 1);

    private static (byte Kind, string Manifest, byte[] Body) ReadFrame(Stream stream)
    {
        var header = new byte[32];
        stream.ReadExactly(header);
        var manifest = new byte[BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(10))];
        var body = new byte[BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12))];
        stream.ReadExactly(manifest);
        stream.ReadExactly(body);
        return (header[8], Encoding.UTF8.GetString(manifest), body);
    }

    private static void AssertClosed(NetworkStream stream)
    {
        try
        {
            var buffer = new byte[256];
            var total = 0;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                total += read;
                Assert.True(total <= 256, "the server kept sending to a peer it should have dropped");
            }
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            // Closed with unread bytes pending: a reset, closed all the same.
        }
    }

    private static (string Host, int Port) Split(string endpoint) => (endpoint.Split(':')[0], int.Parse(endpoint.Split(':')[1]));

    private static int ThreadCount()
    {
        using var self = Process.GetCurrentProcess();
        return self.Threads.Count;
    }
}

/// <summary>Bulk channel tests share one collection: their allocation and thread counts must not see each other's traffic.</summary>
[CollectionDefinition(Collection)]
public sealed class BulkChannel
{
    public const string Collection = "bulk channel";
}

/// <summary>Throwaway certificates: self-signed, a CA, and a leaf it issues.</summary>
internal static class Certificates
{
    public static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    public static X509Certificate2 Authority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    public static X509Certificate2 IssuedBy(X509Certificate2 authority, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2"), new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }
}
