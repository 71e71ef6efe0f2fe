using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace Emulator.Cli;

/// <summary>
/// Akka's logger for <c>emulator up</c> (HOCON <c>akka.loggers</c>): writes each log event to standard error, where the
/// emulator's log always went, so that standard output carries only the lines <c>emulator up</c> prints itself (its
/// API address, kubeconfig, nodes ready) and scripts can read them. The level is <c>akka.loglevel</c> (WARNING unless
/// <c>--config</c> says otherwise).
/// </summary>
public sealed class StandardErrorLogger : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    /// <inheritdoc />
    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent log:
                Console.Error.WriteLine(log.ToString());
                return true;
            default:
                return false;
        }
    }
}
