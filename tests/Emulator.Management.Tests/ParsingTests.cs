using System.Text.Json.Nodes;
using Emulator.Management.Palettes;

namespace Emulator.Management.Tests;

/// <summary>The console's small parsers: arguments, durations, kinds, and the fields two stored versions differ in.</summary>
public sealed class ParsingTests
{
    [Fact]
    public void Arguments_take_positionals_and_options_and_refuse_leftovers()
    {
        var arguments = new CommandArguments(["/user", "--depth", "2", "-n=kube-system", "extra"]);
        Assert.Equal("/user", arguments.Next("PATH"));
        Assert.Equal(2, arguments.Number("--depth", 0, 10));
        Assert.Equal("kube-system", arguments.Option("-n", "--namespace"));
        Assert.Equal("unexpected argument \"extra\"", Assert.Throws<ConsoleUsageException>(arguments.Done).Message);
        Assert.Equal("missing NAME", Assert.Throws<ConsoleUsageException>(() => new CommandArguments([]).Next("NAME")).Message);
        Assert.Equal("option --level needs a value", Assert.Throws<ConsoleUsageException>(() => new CommandArguments(["--level"]).Option("--level")).Message);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    [InlineData("250ms", 0.25)]
    [InlineData("1.5h", 5400)]
    [InlineData("2d", 172800)]
    public void Durations_read_as_go_writes_them(string text, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), TimePalette.ParseDuration(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("-5s")]
    [InlineData("0s")]
    [InlineData("s")]
    [InlineData("99999d")]
    public void Bad_durations_are_usage_errors(string text)
    {
        Assert.Throws<ConsoleUsageException>(() => TimePalette.ParseDuration(text));
    }

    [Fact]
    public void Kinds_resolve_as_kubectl_names_them_and_custom_resources_by_resource_and_group()
    {
        Assert.Equal("deployments.apps", KubernetesPalette.Resolve("deploy").Key);
        Assert.Equal("pods", KubernetesPalette.Resolve("po").Key);
        Assert.False(KubernetesPalette.Resolve("nodes").Namespaced);
        Assert.Equal("widgets.example.com", KubernetesPalette.Resolve("widgets.example.com").Key);
        Assert.Throws<ConsoleUsageException>(() => KubernetesPalette.Resolve("nonsense"));
    }

    [Fact]
    public void Changes_name_the_fields_two_levels_deep()
    {
        var before = JsonNode.Parse("""{"metadata":{"name":"web","labels":{"a":"1"}},"spec":{"replicas":1,"paused":false},"status":{"replicas":1}}""")!.AsObject();
        var after = JsonNode.Parse("""{"metadata":{"name":"web","labels":{"a":"2"}},"spec":{"replicas":3,"paused":false},"status":{"replicas":1},"data":{"k":"v"}}""")!.AsObject();
        Assert.Equal(["data", "metadata.labels", "spec.replicas"], KubernetesPalette.Changes(before, after));
    }
}
