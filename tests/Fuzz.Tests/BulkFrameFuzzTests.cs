// Hostile bytes on a bulk server's port, generated and seeded: whatever an unauthenticated peer sends, the server
// drops it in bounded time and memory, nothing reaches the target, and members are still served afterwards.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using CsCheck;
using Dtrain.Protocol;
using Dtrain.Protocol.Transport;
using static Dtrain.Protocol.ParameterShardProtocol;

namespace Dtrain.Fuzz.Tests;

public sealed class BulkFrameFuzzTests() : TestKit("akka.loglevel = OFF\nakka.stdout-loglevel = OFF")
{
    /// <summary>A header in the bulk layout ("DTB2", length, kind, payloads, manifest bytes, body bytes, seq, route) with fuzzed fields, then fuzzed bytes.</summary>
    private static readonly Gen<byte[]> Framed =
        from magic in Gen.OneOf(Gen.Const(0x32425444u), Gen.Const(0x31425444u), Gen.UInt)
        from length in Gen.OneOf(Gen.Int[0, 2048], Gen.Const(256 << 20), Gen.Int)
        from kind in Gen.Byte[0, 9]
        from payloads in Gen.Byte
        from manifest in Gen.UShort
        from body in Gen.OneOf(Gen.Int[0, 1024], Gen.Int)
        from seq in Gen.Long
        from tail in Gen.Byte.Array[0, 1200]
        select Header(magic, length, kind, payloads, manifest, body, seq, tail);

    /// <summary>A well-formed Hello (the first frame a client sends) whose nonce and proof are made up.</summary>
    private static readonly Gen<byte[]> ForgedHello =
        from target in Gen.OneOf(Gen.Const("ps-0"), Gen.String[0, 40])
        from proof in Gen.Byte.Array[0, 100]
        select Frame(1, target, proof);

    /// <summary>Frames a member would send after the handshake, sent without it (pull, push with a huge seq).</summary>
    private static readonly Gen<byte[]> SkippedHandshake =
        from request in Gen.Long
        from seq in Gen.Long
        select (byte[])[
            .. Frame(4, typeof(Pull).FullName!, MessagePack.MessagePackSerializer.Serialize(new Pull(request, -1))),
            .. Frame(4, typeof(Push).FullName!, MessagePack.MessagePackSerializer.Serialize(new Push(0, seq, 0, null!)))];

    [Fact]
    public async Task No_bytes_from_an_unauthenticated_peer_reach_the_shard_or_hold_the_server()
    {
        // Arrange
        var shard = CreateTestProbe();
        var secret = RandomNumberGenerator.GetBytes(32);
        var limits = BulkServerLimits.Default with { HandshakeTimeout = TimeSpan.FromSeconds(2) };
        await using var server = BulkServer.Start(Sys, "127.0.0.1", 0, name => name == "ps-0" ? shard.Ref : null, new BulkCredentials(secret), limits);
        var port = int.Parse(server.Endpoint.Split(':')[1]);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        // Act + Assert: every case ends with the server closing the connection, within the per-case bound.
        Gen.OneOf(Gen.Byte.Array[0, 400], Framed, ForgedHello, SkippedHandshake).Sample(
            bytes =>
            {
                var clock = Stopwatch.StartNew();
                using var client = new TcpClient("127.0.0.1", port);
                var stream = client.GetStream();
                stream.ReadTimeout = (int)FuzzBudget.PerCase.TotalMilliseconds;
                try
                {
                    stream.Write(bytes);
                    client.Client.Shutdown(SocketShutdown.Send);
                    var sink = new byte[4096];
                    var received = 0;
                    int read;
                    while ((read = stream.Read(sink)) > 0)
                    {
                        received += read;
                        Assert.True(received < 16 << 10, "the server keeps sending to an unauthenticated peer");
                    }
                }
                catch (Exception e) when (e is SocketException || e.InnerException is SocketException)
                {
                    // The server closed first, with bytes unread: a reset or a broken pipe, closed all the same.
                }

                Assert.True(clock.Elapsed < FuzzBudget.PerCase, $"the server took {clock.Elapsed.TotalSeconds:F1} s to drop the peer");
            },
            seed: FuzzBudget.Seed,
            iter: FuzzBudget.Iterations,
            threads: 1,
            print: bytes => Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 64))));

        // Assert: nothing reached the shard, nothing was sized from announced lengths, and a member is still served.
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        Assert.True(allocated < FuzzBudget.Iterations * (512L << 10), $"{FuzzBudget.Iterations} hostile connections allocated {allocated >> 20} MiB");
        shard.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        var member = BulkClient.Connect(Sys, server.Endpoint, "ps-0", new BulkCredentials(secret));
        member.Tell(new Pull(42, -1));
        Assert.Equal(42, shard.ExpectMsg<Pull>(TimeSpan.FromSeconds(10)).RequestId);
        Assert.Equal(1, server.Sessions);
    }

    private static byte[] Header(uint magic, int length, byte kind, byte payloads, ushort manifest, int body, long seq, byte[] tail)
    {
        var frame = new byte[32 + tail.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, magic);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(4), length);
        frame[8] = kind;
        frame[9] = payloads;
        BinaryPrimitives.WriteUInt16LittleEndian(frame.AsSpan(10), manifest);
        BinaryPrimitives.WriteInt32LittleEndian(frame.AsSpan(12), body);
        BinaryPrimitives.WriteInt64LittleEndian(frame.AsSpan(16), seq);
        tail.CopyTo(frame, 32);
        return frame;
    }

    private static byte[] Frame(byte kind, string manifest, byte[] body)
    {
        var m = Encoding.UTF8.GetBytes(manifest);
        return Header(0x32425444u, 24 + m.Length + body.Length, kind, 0, (ushort)m.Length, body.Length, 1, [.. m, .. body]);
    }
}
