using System.Diagnostics;
using System.Net;
using Emulator.Management.Palettes;
using Emulator.Runtime.Persistence;
using Emulator.TestKit;
using Microsoft.Extensions.Logging.Abstractions;

namespace Emulator.Management.Tests;

/// <summary>
/// <c>process info</c> (which operating-system process a console belongs to) and <c>persistence delay</c> (a slow
/// journal on demand) over a real console connection.
/// </summary>
public sealed class ProcessAndJournalDelayTests : EmulatorTestKit, IAsyncLifetime
{
    private ConsoleEndpoint _endpoint = null!;

    public ProcessAndJournalDelayTests()
        : base(JournalSettings.Delayable(JournalSettings.InMemory()), seed: null)
    {
    }

    public Task InitializeAsync()
    {
        _endpoint = ConsoleEndpoint.Start(IPAddress.Loopback, 0, [new ProcessPalette(Sys), new PersistencePalette(new JournalReader(Sys), JournalDelay.Get(Sys))], NullLogger.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _endpoint.DisposeAsync();

    [Fact]
    public async Task Process_info_names_this_process_its_host_and_start()
    {
        using var console = new ConsoleClient(_endpoint.Address);
        var answer = await console.RunJson("process", "info");
        Assert.Equal(0, answer.Exit);
        var row = Assert.Single(answer.Json)[0]!;
        using var self = Process.GetCurrentProcess();
        Assert.Equal(self.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), row["pid"]!.GetValue<string>());
        Assert.Equal(Environment.MachineName, row["host"]!.GetValue<string>());
        Assert.Equal(ConsoleOutput.Time(self.StartTime.ToUniversalTime()), row["started"]!.GetValue<string>());
        Assert.Equal("-", row["address"]!.GetValue<string>());
        // The command line reads back to this process's executable and arguments; the directory is its working directory.
        var command = ShellWords.Split(row["command"]!.GetValue<string>());
        Assert.Equal(Environment.ProcessPath, command[0]);
        Assert.Equal(Environment.GetCommandLineArgs().Skip(1), command.Skip(command.Count - (Environment.GetCommandLineArgs().Length - 1)));
        Assert.Equal(Environment.CurrentDirectory, row["directory"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("")]
    [InlineData("two words")]
    [InlineData("it's")]
    [InlineData("Host=127.0.0.1;Port=5432;Username=postgres")]
    [InlineData("$HOME and \"quotes\" and `ticks` and \\")]
    public void Shell_words_read_back_what_they_wrote(string argument)
    {
        string[] arguments = ["/usr/bin/dotnet", "emulator.dll", argument, "--name", "w1"];
        Assert.Equal(arguments, ShellWords.Split(ShellWords.Join(arguments)));
    }

    [Fact]
    public async Task Persistence_delay_sets_shows_and_turns_off_the_journal_delay()
    {
        using var console = new ConsoleClient(_endpoint.Address);
        var off = await console.Run("persistence", "delay");
        Assert.Equal(0, off.Exit);
        Assert.Equal("journal delay off: akka.persistence.journal.inmem acknowledges writes as soon as they are durable", Assert.Single(off.Out));

        var on = await console.Run("persistence", "delay", "250ms");
        Assert.Equal(0, on.Exit);
        Assert.Equal("journal delay 250ms: each write to akka.persistence.journal.inmem is acknowledged 250ms (emulated) after it arrives", Assert.Single(on.Out));
        Assert.Equal(TimeSpan.FromMilliseconds(250), JournalDelay.Get(Sys).Delay);

        var seconds = await console.RunJson("persistence", "delay", "2s");
        Assert.Equal("2s", Assert.Single(seconds.Json)["delay"]!.GetValue<string>());

        Assert.Equal(0, (await console.Run("persistence", "delay", "off")).Exit);
        Assert.Equal(TimeSpan.Zero, JournalDelay.Get(Sys).Delay);

        var bad = await console.Run("persistence", "delay", "slow");
        Assert.Equal(ConsoleProtocol.Usage, bad.Exit);
        Assert.Contains(bad.Err, e => e.StartsWith("DURATION must look like 90s, 5m or 1h30m, got \"slow\"", StringComparison.Ordinal));
    }
}
