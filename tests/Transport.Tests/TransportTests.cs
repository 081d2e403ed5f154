// The bulk channel over real loopback sockets between two actor systems: round trips, reply routing, a large
// payload, refusal of an unknown target, garbage on the socket, reconnection and TLS.
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol.Serialization;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Protocol.Transport.Tests;

[Collection(BulkChannel.Collection)]
public sealed class TransportTests : TestKit, IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);
    private readonly ActorSystem _client = ActorSystem.Create("bulk-client", WireConfig.SingleProcess(serializeMessages: true));
    private readonly IActorRef _shard;
    private readonly BulkCredentials _credentials = BulkCredentials.Generate();
    private BulkServer _server = null!;

    public TransportTests() : base(WireConfig.SingleProcess(serializeMessages: true), "bulk-server")
    {
        _shard = Sys.ActorOf(Props.Create(() => new EchoShard()), "ps-0");
    }

    public Task InitializeAsync()
    {
        _server = StartServer(0);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _client.Terminate();
        await _server.DisposeAsync();
    }

    [Fact]
    public void Push_and_pull_round_trip_and_each_reply_reaches_its_own_sender()
    {
        // Arrange
        var proxy = BulkClient.Connect(_client, _server.Endpoint, "ps-0", _credentials);
        var worker1 = CreateTestProbe(_client);
        var worker2 = CreateTestProbe(_client);

        // Act
        proxy.Tell(new Push(1, 10, 3, FloatBuffer.CopyOf([1f, 2f, 3.5f])), worker1.Ref);
        proxy.Tell(new Push(2, 20, 4, FloatBuffer.CopyOf([-1f])), worker2.Ref);
        proxy.Tell(new Pull(77, -1), worker1.Ref);

        // Assert: the echo shard acks with the gradient's sum as version, answers pulls with [requestId, 0.5].
        var ack1 = worker1.ExpectMsg<PushAck>(Wait);
        Assert.Equal(new PushAck(0, 1, 10, 6, true), ack1);
        var pulled = worker1.ExpectMsg<Params>(Wait);
        Assert.Equal(77, pulled.RequestId);
        Assert.Equal([77f, 0.5f], pulled.Values!.Span.ToArray());
        Assert.Equal(new PushAck(0, 2, 20, -1, true), worker2.ExpectMsg<PushAck>(Wait));
        worker2.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public void A_16_MB_payload_arrives_intact_both_ways()
    {
        // Arrange
        var proxy = BulkClient.Connect(_client, _server.Endpoint, "ps-0", _credentials);
        var worker = CreateTestProbe(_client);
        var gradient = new float[4 << 20];
        var random = new Random(5);
        for (var i = 0; i < gradient.Length; i++)
        {
            gradient[i] = (float)random.NextDouble() - 0.5f;
        }

        // Act: the echo shard sends a pull for request id -1 back with the last gradient it received.
        proxy.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf(gradient)), worker.Ref);
        proxy.Tell(new Pull(-1, -1), worker.Ref);

        // Assert
        worker.ExpectMsg<PushAck>(Wait);
        var echoed = worker.ExpectMsg<Params>(Wait);
        Assert.True(gradient.AsSpan().SequenceEqual(echoed.Values!.Span), "16 MB payload changed in transit");
    }

    [Fact]
    public void An_unknown_target_fails_the_sender_with_an_error_naming_it()
    {
        // Arrange
        var proxy = BulkClient.Connect(_client, _server.Endpoint, "ps-9", _credentials);
        var worker = CreateTestProbe(_client);

        // Act
        proxy.Tell(new Pull(1, -1), worker.Ref);

        // Assert
        var failed = worker.ExpectMsg<BulkDeliveryFailed>(Wait);
        Assert.Equal(("ps-9", nameof(Pull)), (failed.Target, failed.MessageType));
        Assert.Contains("no target 'ps-9'", failed.Reason);
    }

    [Fact]
    public async Task A_message_over_the_frame_limit_is_refused_to_its_sender_and_the_connection_carries_on()
    {
        // Arrange: serialize-messages off here, or the local hop to the proxy would copy the 256 MiB twice.
        using var local = ActorSystem.Create("bulk-big", WireConfig.SingleProcess(serializeMessages: false));
        try
        {
            var proxy = BulkClient.Connect(local, _server.Endpoint, "ps-0", _credentials);
            var worker = CreateTestProbe(local);
            var tooBig = FloatBuffer.Rent((256 << 20) / sizeof(float)); // with its header the frame passes 256 MiB

            // Act
            proxy.Tell(new Push(1, 1, 0, tooBig), worker.Ref);
            proxy.Tell(new Push(1, 2, 0, FloatBuffer.CopyOf([3f])), worker.Ref);

            // Assert: the big one fails with a reason, nothing of it was written, the next push goes through.
            var failed = worker.ExpectMsg<BulkDeliveryFailed>(Wait);
            Assert.Contains("split it", failed.Reason);
            Assert.Equal(2, worker.ExpectMsg<PushAck>(Wait).Seq);
        }
        finally
        {
            await local.Terminate();
        }
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\n\r\n--------", "bad magic")]
    [InlineData("DTB2\xff\xff\xff\x7f", "length")]
    public void Garbage_on_the_socket_closes_that_connection_and_the_server_keeps_serving(string garbage, string logged)
    {
        // Arrange
        var (host, port) = (_server.Endpoint.Split(':')[0], int.Parse(_server.Endpoint.Split(':')[1]));
        using var raw = new TcpClient(host, port);
        var stream = raw.GetStream();
        stream.ReadTimeout = (int)Wait.TotalMilliseconds;

        // Act
        EventFilter.Error(contains: logged).ExpectOne(Wait, () =>
        {
            var bytes = garbage.Select(c => (byte)c).Concat(new byte[32]).ToArray();
            stream.Write(bytes);
        });

        // Assert: the server closed this connection (end of stream), and a proper client still gets through.
        AssertClosed(stream);
        var proxy = BulkClient.Connect(_client, _server.Endpoint, "ps-0", _credentials);
        var worker = CreateTestProbe(_client);
        proxy.Tell(new Push(3, 1, 0, FloatBuffer.CopyOf([2f])), worker.Ref);
        Assert.Equal(2, worker.ExpectMsg<PushAck>(Wait).Version);
    }

    [Fact]
    public async Task Messages_told_while_the_server_is_down_arrive_in_order_once_it_is_back()
    {
        // Arrange
        var proxy = BulkClient.Connect(_client, _server.Endpoint, "ps-0", _credentials);
        var worker = CreateTestProbe(_client);
        proxy.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf([1f])), worker.Ref);
        worker.ExpectMsg<PushAck>(Wait);
        var port = int.Parse(_server.Endpoint.Split(':')[1]);

        // Act: the server goes away, messages are told, the server comes back on the same port.
        await _server.DisposeAsync();
        for (var seq = 2; seq <= 4; seq++)
        {
            proxy.Tell(new Push(1, seq, 0, FloatBuffer.CopyOf([seq])), worker.Ref);
        }

        _server = StartServer(port);

        // Assert
        for (var seq = 2; seq <= 4; seq++)
        {
            Assert.Equal(seq, worker.ExpectMsg<PushAck>(TimeSpan.FromSeconds(10)).Seq);
        }
    }

    [Fact]
    public async Task Tls_carries_messages_and_a_client_with_another_certificate_is_turned_away()
    {
        // Arrange
        using var certificate = SelfSigned("dtrain-cluster");
        using var stranger = SelfSigned("someone-else");
        var secret = RandomNumberGenerator.GetBytes(32);
        await using var tls = BulkServer.Start(Sys, "127.0.0.1", 0, name => name == "ps-0" ? _shard : null, new BulkCredentials(secret, certificate));
        var trusted = BulkClient.Connect(_client, tls.Endpoint, "ps-0", new BulkCredentials(secret, certificate));
        var worker = CreateTestProbe(_client);
        var outsider = CreateTestProbe(_client);

        // Act
        trusted.Tell(new Push(1, 1, 0, FloatBuffer.CopyOf([4f, 1f])), worker.Ref);
        EventFilter.Warning(contains: "TLS handshake failed").ExpectOne(Wait, () =>
        {
            var untrusted = BulkClient.Connect(_client, tls.Endpoint, "ps-0", new BulkCredentials(secret, stranger));
            untrusted.Tell(new Push(9, 1, 0, FloatBuffer.CopyOf([1f])), outsider.Ref);
        });

        // Assert: the trusted client is served; the stranger's push never reached the shard.
        Assert.Equal(5, worker.ExpectMsg<PushAck>(Wait).Version);
        outsider.ExpectNoMsg(TimeSpan.FromMilliseconds(100));
    }

    private static void AssertClosed(NetworkStream stream)
    {
        try
        {
            // The server's Challenge may come first; then the end of the stream.
            var buffer = new byte[256];
            var total = 0;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                total += read;
                Assert.True(total <= 256, "the server kept sending to a peer that broke the format");
            }
        }
        catch (IOException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
            // Closing with unread bytes in the receive buffer sends a reset instead of an orderly end: closed all the same.
        }
    }

    private BulkServer StartServer(int port) => BulkServer.Start(Sys, "127.0.0.1", port, name => name == "ps-0" ? _shard : null, _credentials);

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    /// <summary>A stand-in shard: acks a push with the sum of its gradient as version; pull -1 echoes the last gradient.</summary>
    private sealed class EchoShard : ReceiveActor
    {
        private float[] _last = [];

        public EchoShard()
        {
            Receive<Push>(p =>
            {
                _last = p.Gradient.Span.ToArray();
                p.Gradient.Release();
                Sender.Tell(new PushAck(0, p.WorkerId, p.Seq, (long)_last.Sum(), true));
            });
            Receive<Pull>(p => Sender.Tell(new Params(0, p.RequestId, 1, FloatBuffer.CopyOf(p.RequestId == -1 ? _last : [p.RequestId, 0.5f]))));
        }
    }
}
