// The parent of a single-process job's shards and coordinator: a role that throws, in its constructor or on a
// message, ends the job with its name and message instead of restarting empty or leaving the run waiting forever.
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli.Tests;

public sealed class LocalRolesTests : TestKit
{
    [Fact]
    public void A_coordinator_whose_constructor_throws_fails_the_job_with_its_message()
    {
        var listener = CreateTestProbe();
        var roles = Sys.ActorOf(LocalRoles.Props(listener.Ref));

        roles.Tell(new LocalRoles.Spawn(Props.Create(() => new Throwing(true)), "coordinator"));

        ExpectMsg<IActorRef>();
        var failed = listener.ExpectMsg<JobFailed>();
        Assert.Equal("coordinator could not start: placement needs 3 shards", failed.Reason);
    }

    [Fact]
    public void A_shard_that_throws_on_a_message_is_stopped_and_fails_the_job_with_its_message()
    {
        var listener = CreateTestProbe();
        var roles = Sys.ActorOf(LocalRoles.Props(listener.Ref));
        roles.Tell(new LocalRoles.Spawn(Props.Create(() => new Throwing(false)), "ps-0"));
        var shard = ExpectMsg<IActorRef>();
        Watch(shard);

        shard.Tell("push");

        Assert.Equal("ps-0 failed: placement needs 3 shards", listener.ExpectMsg<JobFailed>().Reason);
        ExpectTerminated(shard);
    }

    private sealed class Throwing : ReceiveActor
    {
        public Throwing(bool inConstructor)
        {
            if (inConstructor)
            {
                throw new InvalidOperationException("placement needs 3 shards");
            }

            ReceiveAny(_ => throw new InvalidOperationException("placement needs 3 shards"));
        }
    }
}
