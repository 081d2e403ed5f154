// The parent of the shards and coordinator of a job run in one process. Akka's default would restart a failed actor with empty
// state (a shard without its parameters, a coordinator starting over) or, when a constructor throws, stop it
// silently and leave the run waiting forever; here any failure ends the job with the failing actor's message.
using Akka.Actor;
using Akka.Actor.Internal;
using static Dtrain.Protocol.CoordinatorProtocol;

namespace Dtrain.Cli;

/// <summary>Supervises the shards and the coordinator of a single-process job.</summary>
public sealed class LocalRoles : ReceiveActor
{
    /// <summary>Props whose failures are reported to <paramref name="listener"/> as <see cref="JobFailed"/>.</summary>
    public static Props Props(IActorRef listener) => Akka.Actor.Props.Create(() => new LocalRoles(listener));

    private readonly IActorRef _listener;

    /// <summary>Created by <see cref="Props"/>.</summary>
    public LocalRoles(IActorRef listener)
    {
        _listener = listener;
        Receive<Spawn>(s => Sender.Tell(Context.ActorOf(s.Props, s.Name)));
    }

    /// <summary>Starts a child <paramref name="Name"/> from <paramref name="Props"/> and answers its reference.</summary>
    public sealed record Spawn(Props Props, string Name) : INoSerializationVerificationNeeded;

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() => new Reporting(_listener);

    /// <summary>
    /// A failed role stops and the job fails with its message (one line, no stack trace printed). Workers are not
    /// children: a worker says why it failed to the coordinator, which ends the job itself.
    /// </summary>
    private sealed class Reporting(IActorRef listener) : OneForOneStrategy(0, 0, _ => Directive.Stop, loggingEnabled: false)
    {
        public override void ProcessFailure(IActorContext context, bool restart, IActorRef child, Exception cause, ChildRestartStats stats, IReadOnlyCollection<ChildRestartStats> children)
        {
            var what = cause is ActorInitializationException ? "could not start" : "failed";
            listener.Tell(new JobFailed($"{child.Path.Name} {what}: {cause.GetBaseException().Message}"));
            base.ProcessFailure(context, restart, child, cause, stats, children);
        }
    }
}
