using System.Text;
using System.Text.Json.Nodes;
using Emulator.ControlPlane.Nodes;
using Emulator.Kubernetes;

namespace Emulator.Node.Tests;

/// <summary>exec and attach at the kubelet, on virtual time: sessions opened through the node host, output, exit codes.</summary>
public sealed class ContainerStreamTests : NodeTestKit
{
    private void StartRunning(JsonObject? container = null, string? restartPolicy = null)
    {
        StartHost(pullDelay: TimeSpan.Zero);
        CreatePod(container: container, restartPolicy: restartPolicy);
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal("Running", Phase(Pod())));
    }

    private ContainerStreamOpened Open(IReadOnlyList<string> command, bool stdin = false, bool tty = false, string container = "app")
    {
        Host.Tell(new OpenContainerStream("node-1", "default", "web", container, command, stdin, true, !tty, tty, TestActor), TestActor);
        return ExpectMsg<ContainerStreamOpened>();
    }

    /// <summary>Collects output until the session ends; returns stdout, stderr and how it ended.</summary>
    private (string Stdout, string Stderr, ContainerStreamEnded Ended) Drain()
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        while (true)
        {
            switch (ExpectMsg<object>())
            {
                case ContainerOutput { Stream: 1 } output:
                    stdout.Append(Encoding.UTF8.GetString(output.Data));
                    break;
                case ContainerOutput output:
                    stderr.Append(Encoding.UTF8.GetString(output.Data));
                    break;
                case ContainerStreamEnded ended:
                    return (stdout.ToString(), stderr.ToString(), ended);
            }
        }
    }

    [Fact]
    public void Exec_runs_a_command_and_reports_its_exit_code()
    {
        StartRunning();
        Open(["sh", "-c", "echo out; nosuch; exit 3"]);
        var (stdout, stderr, ended) = Drain();
        Assert.Equal("out\n", stdout);
        Assert.Equal("sh: nosuch: not found\n", stderr);
        Assert.Equal(3, ended.ExitCode);
    }

    [Fact]
    public void Exec_output_after_a_sleep_comes_on_the_emulated_clock()
    {
        StartRunning();
        Open(["sh", "-c", "echo a; sleep 5; echo b"]);
        Assert.Equal("a\n", Encoding.UTF8.GetString(ExpectMsg<ContainerOutput>().Data));
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        Run(TimeSpan.FromSeconds(5));
        var (stdout, _, ended) = Drain();
        Assert.Equal("b\n", stdout);
        Assert.Equal(0, ended.ExitCode);
    }

    [Fact]
    public void An_interactive_shell_reads_stdin_and_exits_at_its_end_with_the_last_status()
    {
        StartRunning();
        var session = Open(["sh"], stdin: true).Session;
        session.Tell(new ContainerStdin(Encoding.UTF8.GetBytes("echo one\nfalse\n")), TestActor);
        session.Tell(new ContainerStdinClosed(), TestActor);
        var (stdout, _, ended) = Drain();
        Assert.Equal("one\n", stdout);
        Assert.Equal(1, ended.ExitCode);
    }

    [Fact]
    public void With_a_tty_the_shell_prompts_and_the_terminal_echoes()
    {
        StartRunning();
        var session = Open(["sh"], stdin: true, tty: true).Session;
        session.Tell(new ContainerStdin(Encoding.UTF8.GetBytes("echo hi\rexit 4\r")), TestActor);
        var (stdout, _, ended) = Drain();
        Assert.Equal("/ # echo hi\r\nexit 4\r\nhi\r\n/ # ", stdout);
        Assert.Equal(4, ended.ExitCode);
    }

    [Fact]
    public void A_container_that_is_not_running_refuses_the_stream_in_the_kubelets_words()
    {
        StartRunning();
        Host.Tell(new OpenContainerStream("node-1", "default", "web", "other", ["ls"], false, true, true, false, TestActor), TestActor);
        Assert.Equal("container not found (\"other\")", ExpectMsg<ContainerStreamRefused>().Error.Message);
        Host.Tell(new OpenContainerStream("node-1", "default", "nobody", "app", ["ls"], false, true, true, false, TestActor), TestActor);
        Assert.Equal(404, ExpectMsg<ContainerStreamRefused>().Error.Code);
    }

    [Fact]
    public void Attach_to_an_interactive_main_process_ends_the_container_with_the_shells_exit_code()
    {
        var container = Container(image: "busybox");
        container["stdin"] = true;
        container["stdinOnce"] = true;
        StartRunning(container, restartPolicy: "Never");
        var session = Open([], stdin: true).Session;
        session.Tell(new ContainerStdin(Encoding.UTF8.GetBytes("echo attached\nexit 2\n")), TestActor);
        var (stdout, _, ended) = Drain();
        Assert.Equal("attached\n", stdout);
        // An attach reports no exit code: the container's status carries it.
        Assert.Null(ended.ExitCode);
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() =>
        {
            var pod = Pod();
            Assert.Equal("Failed", Phase(pod));
            Assert.Equal(2, JsonTree.GetInt(ContainerStatus(pod), "state", "terminated", "exitCode"));
        });
        Assert.Equal("attached\n", Logs().Text);
    }

    [Fact]
    public void An_ephemeral_container_added_to_the_spec_starts_and_reports_its_status()
    {
        StartRunning();
        var pod = Pod().Document.DeepClone().AsObject();
        pod["spec"]!["ephemeralContainers"] = new JsonArray(new JsonObject { ["name"] = "debugger", ["image"] = "busybox", ["stdin"] = true, ["tty"] = true });
        Ok(new ControlPlane.Store.UpdateObject(ControlPlane.Store.ResourceTypes.Pods, pod, ControlPlane.Store.UpdateScope.EphemeralContainers));
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() =>
        {
            var status = ContainerStatus(Pod(), "debugger", "ephemeralContainerStatuses");
            Assert.NotNull(JsonTree.Get(status, "state", "running"));
            Assert.False(JsonTree.GetBool(status, "ready"));
        });
        var session = Open([], stdin: true, tty: true, container: "debugger").Session;
        session.Tell(new ContainerStdin(Encoding.UTF8.GetBytes("exit\r")), TestActor);
        Assert.Null(Drain().Ended.ExitCode);
        Run(TimeSpan.FromSeconds(1));
        AwaitAssert(() => Assert.Equal(0, JsonTree.GetInt(ContainerStatus(Pod(), "debugger", "ephemeralContainerStatuses"), "state", "terminated", "exitCode")));
        // The pod runs on: an ephemeral container is no part of its phase, and is not restarted.
        Assert.Equal("Running", Phase(Pod()));
    }
}
