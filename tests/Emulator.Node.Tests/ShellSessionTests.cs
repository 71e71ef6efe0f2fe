using System.Text;
using Emulator.Node.Containers;

namespace Emulator.Node.Tests;

/// <summary>The emulated busybox <c>sh</c> that exec, attach and debug talk to, and a terminal's line discipline.</summary>
public sealed class ShellSessionTests
{
    private static readonly KeyValuePair<string, string>[] Env = [KeyValuePair.Create("HOSTNAME", "web-0"), KeyValuePair.Create("GREETING", "hello")];

    [Fact]
    public void Commands_write_their_output_and_statuses_carry_over()
    {
        var shell = new ShellSession(Env);
        var step = shell.Execute("echo $GREETING; hostname");
        Assert.Equal(["hello", "web-0"], step.Lines.Select(l => l.Text));
        Assert.Null(step.ExitCode);
        Assert.False(step.Blocked);
        Assert.Equal(["1"], shell.Execute("false; echo $?").Lines.Select(l => l.Text));
        Assert.Equal(0, shell.LastStatus);
    }

    [Fact]
    public void An_unknown_program_is_not_found_with_status_127_on_stderr()
    {
        var shell = new ShellSession(Env);
        var step = shell.Execute("nosuch --flag");
        var line = Assert.Single(step.Lines);
        Assert.Equal("sh: nosuch: not found", line.Text);
        Assert.True(line.Stderr);
        Assert.Equal(127, shell.LastStatus);
        Assert.Equal(["127"], shell.Execute("echo $?").Lines.Select(l => l.Text));
    }

    [Fact]
    public void Exit_ends_the_shell_with_its_code_and_sleep_takes_emulated_time()
    {
        var shell = new ShellSession(Env);
        var step = shell.Execute("echo a; sleep 2; echo b; exit 7; echo never");
        Assert.Equal([("a", TimeSpan.Zero), ("b", TimeSpan.FromSeconds(2))], step.Lines.Select(l => (l.Text, l.At)));
        Assert.Equal(TimeSpan.FromSeconds(2), step.Took);
        Assert.Equal(7, step.ExitCode);
        Assert.True(new ShellSession(Env).Execute("sleep infinity").Blocked);
    }

    [Fact]
    public void A_program_run_without_a_shell_is_refused_by_the_runtime_when_unknown()
    {
        var step = new ShellSession(Env).ExecuteProgram(["nosuch"]);
        Assert.Equal(126, step.ExitCode);
        Assert.Contains("exec: \"nosuch\": executable file not found in $PATH", Assert.Single(step.Lines).Text);
        Assert.Equal(0, new ShellSession(Env).ExecuteProgram(["true"]).ExitCode);
        Assert.Equal(["hi there"], new ShellSession(Env).ExecuteProgram(["echo", "hi", "there"]).Lines.Select(l => l.Text));
    }

    [Theory]
    [InlineData(new[] { "sh" }, true)]
    [InlineData(new[] { "/bin/bash", "-i" }, true)]
    [InlineData(new[] { "sh", "-c", "echo" }, false)]
    [InlineData(new[] { "sh", "script.sh" }, false)]
    [InlineData(new[] { "nginx" }, false)]
    public void Only_a_shell_without_a_script_reads_commands_from_stdin(string[] argv, bool reads) =>
        Assert.Equal(reads, ShellSession.ReadsCommandsFromStdin(argv));

    [Fact]
    public void A_tty_echoes_erases_interrupts_and_ends_input_on_ctrl_d()
    {
        var tty = new LineDiscipline(tty: true);
        var typed = tty.Feed(Encoding.UTF8.GetBytes("ecx\x7fho hi\r"));
        Assert.Equal("ecx\b \bho hi\r\n", typed.Echo);
        Assert.Equal(["echo hi"], typed.Lines);
        var interrupted = tty.Feed(Encoding.UTF8.GetBytes("sleep\x03"));
        Assert.True(interrupted.Interrupted);
        Assert.Equal("sleep^C\r\n", interrupted.Echo);
        Assert.Empty(interrupted.Lines);
        // Cursor keys are swallowed; Ctrl-D on an empty line is the end of input.
        Assert.Equal("", tty.Feed(Encoding.UTF8.GetBytes("\x1b[A")).Echo);
        Assert.True(tty.Feed([4]).EndOfInput);
    }

    [Fact]
    public void Without_a_tty_lines_end_at_newline_and_nothing_is_echoed()
    {
        var pipe = new LineDiscipline(tty: false);
        var input = pipe.Feed(Encoding.UTF8.GetBytes("echo one\necho tw"));
        Assert.Equal("", input.Echo);
        Assert.Equal(["echo one"], input.Lines);
        Assert.Equal(["o"], pipe.Feed("o\n"u8).Lines.Select(l => l[^1..]));
        pipe.Feed("exit 3"u8);
        Assert.Equal("exit 3", pipe.Rest());
        Assert.Null(pipe.Rest());
    }
}
