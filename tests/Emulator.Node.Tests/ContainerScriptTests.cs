using Emulator.Node.Containers;

namespace Emulator.Node.Tests;

public sealed class ContainerScriptTests
{
    private static ContainerScript Shell(string script, params (string, string)[] env) =>
        ContainerScript.Interpret(["sh", "-c"], [script], env.Select(e => KeyValuePair.Create(e.Item1, e.Item2)).ToList());

    [Fact]
    public void Sequence_prints_sleeps_and_exits()
    {
        var script = Shell("echo hi; sleep 5; exit 1");
        Assert.Equal([new ScriptLine(TimeSpan.Zero, "hi")], script.Lines);
        Assert.Equal(TimeSpan.FromSeconds(5), script.ExitAt);
        Assert.Equal(1, script.ExitCode);
    }

    [Fact]
    public void And_or_follow_exit_codes()
    {
        var script = Shell("false && echo no || echo yes; true && echo also");
        Assert.Equal(["yes", "also"], script.Lines.Select(l => l.Text));
        Assert.Equal(0, script.ExitCode);
        Assert.Equal(TimeSpan.Zero, script.ExitAt);
        Assert.Equal(1, Shell("false").ExitCode);
    }

    [Fact]
    public void Env_and_variables_come_from_the_spec()
    {
        var script = Shell("env; printenv GREETING; echo \"$GREETING, ${NAME}!\"", ("GREETING", "hello"), ("NAME", "pod"));
        Assert.Equal(["GREETING=hello", "NAME=pod", "hello", "hello, pod!"], script.Lines.Select(l => l.Text));
    }

    [Fact]
    public void No_command_or_unknown_commands_run_forever()
    {
        Assert.Null(ContainerScript.Interpret([], [], []).ExitAt);
        Assert.Null(ContainerScript.Interpret(["nginx", "-g", "daemon off;"], [], []).ExitAt);
        Assert.Null(Shell("echo start; sleep infinity").ExitAt);
        Assert.Equal(TimeSpan.FromSeconds(3600), ContainerScript.Interpret(["sleep"], ["3600"], []).ExitAt);
        Assert.Equal(TimeSpan.FromMinutes(2), ContainerScript.Interpret(["/bin/sleep", "2m"], [], []).ExitAt);
    }
}
