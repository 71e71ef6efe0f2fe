namespace Emulator.Actors.Dispatch;

/// <summary>A user message with its sender, as it sits in a mailbox. A struct so that queuing allocates nothing.</summary>
public readonly record struct Envelope(object Message, IActorRef? Sender);
