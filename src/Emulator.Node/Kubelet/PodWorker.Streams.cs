using Akka.Actor;
using Emulator.ControlPlane.Nodes;
using Emulator.ControlPlane.Store;
using Emulator.Kubernetes;
using Emulator.Node.Containers;

namespace Emulator.Node.Kubelet;

// exec and attach: the kubelet's streaming server, as far as one pod goes.
public sealed partial class PodWorker
{
    /// <summary>Images whose default command is a shell (busybox's <c>sh</c>, ubuntu's <c>bash</c>, …).</summary>
    private static readonly HashSet<string> ShellImages = new(StringComparer.Ordinal)
    {
        "busybox", "alpine", "ubuntu", "debian", "centos", "fedora", "rockylinux", "almalinux", "amazonlinux", "bash", "netshoot", "dnsutils", "toolbox",
    };

    /// <summary>
    /// The container's main process reads commands from its stdin: it has <c>stdin: true</c> and runs a shell (its
    /// command, or its image's default command when it gives none).
    /// </summary>
    private static bool HasInteractiveMainProcess(Container c)
    {
        if (JsonTree.GetBool(c.Spec.Json, "stdin") != true)
        {
            return false;
        }
        var argv = c.Command.Concat(c.Args).ToList();
        if (argv.Count > 0)
        {
            return ShellSession.ReadsCommandsFromStdin(argv);
        }
        var image = c.Spec.Image;
        var repository = image.Split('@')[0];
        var lastSegment = repository[(repository.LastIndexOf('/') + 1)..];
        var name = lastSegment.Contains(':') ? lastSegment[..lastSegment.IndexOf(':')] : lastSegment;
        return ShellImages.Contains(name);
    }

    /// <summary>Starts the interactive main process of a run that has one.</summary>
    private void StartProcess(Container c)
    {
        if (!HasInteractiveMainProcess(c) || c.Run is not { } run)
        {
            return;
        }
        c.Logged.Clear();
        var argv = c.Command.Concat(c.Args).ToList();
        var tty = JsonTree.GetBool(c.Spec.Json, "tty") == true;
        var stdinOnce = JsonTree.GetBool(c.Spec.Json, "stdinOnce") == true;
        var env = c.Env;
        var network = c.Network;
        var name = c.Name;
        var runId = run.RunId;
        c.Process = Context.ActorOf(Props.Create(() => new ContainerProcess(argv, env, network, tty, stdinOnce, name, runId)), $"process-{name}-{runId}");
    }

    /// <summary>The container stopped: its process goes, and attached clients are told.</summary>
    private void EndStreams(Container c)
    {
        if (c.Process is { } process)
        {
            process.Tell(new KillProcess(), Self);
            c.Process = null;
        }
        foreach (var client in c.Attached)
        {
            Context.Unwatch(client);
            client.Tell(new ContainerStreamEnded(null), Self);
        }
        c.Attached.Clear();
    }

    private void OnProcessExited(ProcessExited exited)
    {
        if (Find(exited.Container) is not { } c || c.Run?.RunId != exited.RunId || c.Current is not { IsRunning: true })
        {
            return;
        }
        c.Process = null;
        Finish(c, exited.ExitCode, exited.ExitCode == 0 ? "Completed" : "Error");
        AfterExit(c);
    }

    /// <summary>
    /// Opens an exec or attach on a container of this pod, as the kubelet's streaming server does: the container must
    /// be running (<c>container not found ("x")</c> otherwise, the kubelet's words).
    /// </summary>
    private void OpenStream(OpenContainerStream open)
    {
        if (Find(open.Container) is not { } c || c.Current is not { IsRunning: true } || _terminating)
        {
            Sender.Tell(new ContainerStreamRefused(new ApiStatus(404, "NotFound", $"container not found (\"{open.Container}\")")), Self);
            return;
        }
        var client = new AttachClient(open.Client, open.Stdin, open.Stdout, open.Stderr && !open.Tty);
        if (open.Command.Count > 0)
        {
            var argv = open.Command;
            var env = c.Env;
            var network = c.Network;
            var tty = open.Tty;
            var session = Context.ActorOf(Props.Create(() => new ContainerProcess(argv, env, network, tty, client)));
            Sender.Tell(new ContainerStreamOpened(session), Self);
            return;
        }
        if (c.Process is { } process)
        {
            process.Forward(client);
            return;
        }
        // A process that reads no input: the client sees it run until it ends.
        c.Attached.Add(open.Client);
        Context.Watch(open.Client);
        Sender.Tell(new ContainerStreamOpened(Self), Self);
    }

    private void Detach(IActorRef client)
    {
        foreach (var c in All)
        {
            if (c.Attached.Remove(client))
            {
                Context.Unwatch(client);
            }
        }
    }
}
