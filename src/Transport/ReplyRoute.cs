// The sender a bulk server hands to its target: telling it a message sends the message back to the client-side sender.
using Akka.Actor;

namespace Dtrain.Protocol.Transport;

/// <summary>
/// A lightweight actor reference (no mailbox) registered as a temporary actor, so it can also be resolved from its
/// path. Non-wire messages cannot cross and are dropped with a warning.
/// </summary>
internal sealed class ReplyRoute(BulkServerSession session, long route, IActorRefProvider provider, ActorPath path) : MinimalActorRef
{
    public override ActorPath Path => path;

    public override IActorRefProvider Provider => provider;

    protected override void TellInternal(object message, IActorRef sender) => session.Reply(route, message);
}
