// The journal seal at the serializer: a sealed event reads back as written, any flipped byte or cut tail reads as a
// DamagedEvent naming its type, and an event written before the seal reads back, marked unverified.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Dtrain.Protocol.Persistence;
using Dtrain.Protocol.Serialization;
using MessagePack;
using static Dtrain.Protocol.Persistence.JobEvents;

namespace Dtrain.Protocol.Tests;

public sealed class JournalSealTests() : TestKit(WireConfig.SingleProcess(serializeMessages: false))
{
    private static readonly JobSubmitted Submitted = new("job-1", "m.json", "{\"nodes\": []}", ["--lr", "0.001"]);

    [Fact]
    public void A_sealed_job_event_reads_back_equal()
    {
        var (serializer, bytes) = Serialize(Submitted);

        var read = (JobSubmitted)serializer.FromBinary(bytes, serializer.Manifest(Submitted));

        Assert.Equal("DTJE"u8.ToArray(), bytes[..4]);
        Assert.Equal(Submitted with { TrainArgs = read.TrainArgs }, read);
        Assert.Equal(Submitted.TrainArgs, read.TrainArgs);
    }

    [Fact]
    public void Every_single_flipped_byte_of_a_sealed_event_reads_as_a_damaged_event_of_its_type()
    {
        var (serializer, bytes) = Serialize(Submitted);

        for (var i = 0; i < bytes.Length; i++)
        {
            var altered = (byte[])bytes.Clone();
            altered[i] ^= 0x01;
            var read = serializer.FromBinary(altered, serializer.Manifest(Submitted));
            var damaged = Assert.IsType<DamagedEvent>(read);
            Assert.Equal(nameof(JobSubmitted), damaged.EventType);
        }
    }

    [Fact]
    public void A_truncated_sealed_event_reads_as_damaged()
    {
        var (serializer, bytes) = Serialize(new CheckpointsDropped([1, 2]));

        var read = serializer.FromBinary(bytes[..^3], serializer.Manifest(new CheckpointsDropped([])));

        Assert.Equal(nameof(CheckpointsDropped), Assert.IsType<DamagedEvent>(read).EventType);
    }

    [Fact]
    public void An_event_written_before_the_seal_reads_back_marked_unverified()
    {
        var (serializer, _) = Serialize(Submitted);
        var old = MessagePackSerializer.Serialize(new JobEnded("completed", "done"));

        var read = serializer.FromBinary(old, serializer.Manifest(new JobEnded("", "")));

        Assert.Equal(new JobEnded("completed", "done"), Assert.IsType<UnsealedEvent>(read).Event);
    }

    private (MessagePackAkkaSerializer Serializer, byte[] Bytes) Serialize(IJobEvent e)
    {
        var serializer = new MessagePackAkkaSerializer((ExtendedActorSystem)Sys);
        return (serializer, serializer.ToBinary(e));
    }
}
