using Emulator.Actors.TestKit;

namespace Emulator.Actors.Tests;

/// <summary>Actor paths: parsing and printing, equality without the uid, and the element syntax.</summary>
public sealed class ActorPathTests : TestKitBase
{
    [Fact]
    public void A_local_path_parses_and_prints_back_the_same()
    {
        var path = ActorPath.Parse("emu://cluster/user/nodes/node-1");

        Assert.Equal("emu://cluster/user/nodes/node-1", path.ToString());
        Assert.Equal("/user/nodes/node-1", path.ToStringWithoutAddress());
        Assert.Equal(["user", "nodes", "node-1"], path.Elements);
        Assert.Equal("node-1", path.Name);
        Assert.Equal(3, path.Depth);
        Assert.Equal(new Address("emu", "cluster"), path.Address);
        Assert.True(path.Address.IsLocal);
        Assert.Equal(ActorPath.UndefinedUid, path.Uid);
        Assert.Equal("emu://cluster/user/nodes", path.Parent.ToString());
        Assert.Equal("emu://cluster/", path.Root.ToString());
    }

    [Fact]
    public void A_path_with_host_port_and_uid_round_trips()
    {
        const string text = "emu://cluster@10.0.0.7:2552/user/nodes/node-1#123456789";

        var path = ActorPath.Parse(text);

        Assert.Equal(new Address("emu", "cluster", "10.0.0.7", 2552), path.Address);
        Assert.False(path.Address.IsLocal);
        Assert.Equal(123456789, path.Uid);
        Assert.Equal("emu://cluster@10.0.0.7:2552/user/nodes/node-1", path.ToString());
        Assert.Equal(text, path.ToSerializationFormat());
        Assert.Equal(path, ActorPath.Parse(path.ToSerializationFormat()));
        Assert.Equal(path.Uid, ActorPath.Parse(path.ToSerializationFormat()).Uid);
    }

    [Fact]
    public void The_root_path_prints_with_a_trailing_slash()
    {
        var root = ActorPath.Parse("emu://cluster");

        Assert.IsType<RootActorPath>(root);
        Assert.Equal(0, root.Depth);
        Assert.Equal("emu://cluster/", root.ToString());
        Assert.Equal("/", root.ToStringWithoutAddress());
        Assert.Equal(root, ActorPath.Parse("emu://cluster/"));
        Assert.Same(root, root.Parent);
    }

    [Fact]
    public void The_path_of_a_live_actor_round_trips_with_its_uid()
    {
        var actor = ActorOf(Props.Create<Idle>(), "idle");

        var parsed = ActorPath.Parse(actor.Path.ToSerializationFormat());

        Assert.NotEqual(ActorPath.UndefinedUid, actor.Path.Uid);
        Assert.Equal(actor.Path, parsed);
        Assert.Equal(actor.Path.Uid, parsed.Uid);
        Assert.Equal($"[{actor.Path}#{actor.Path.Uid}]", actor.ToString());
    }

    [Fact]
    public void A_temporary_path_with_a_dollar_name_round_trips()
    {
        var path = ActorPath.Parse("emu://test/temp/$12#99");

        Assert.Equal("$12", path.Name);
        Assert.Equal("emu://test/temp/$12#99", path.ToSerializationFormat());
    }

    [Fact]
    public void Path_equality_ignores_the_uid_but_not_the_address_or_names()
    {
        var path = ActorPath.Parse("emu://cluster/user/a");

        Assert.Equal(path.WithUid(1), path.WithUid(2));
        Assert.True(path.WithUid(1) == path.WithUid(2));
        Assert.Equal(path.WithUid(1).GetHashCode(), path.WithUid(2).GetHashCode());
        Assert.Equal(path, new RootActorPath(new Address("emu", "cluster")) / "user/a");
        Assert.NotEqual(path, ActorPath.Parse("emu://other/user/a"));
        Assert.NotEqual(path, ActorPath.Parse("emu://cluster@host:1/user/a"));
        Assert.NotEqual(path, ActorPath.Parse("emu://cluster/user/b"));
        Assert.NotEqual(path, ActorPath.Parse("emu://cluster/user/a/b"));
    }

    [Fact]
    public void Refs_to_two_incarnations_at_the_same_path_differ_while_their_paths_are_equal()
    {
        var first = ActorOf(Props.Create<Idle>(), "same-name");
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first);

        var second = ActorOf(Props.Create<Idle>(), "same-name");

        Assert.Equal(first.Path, second.Path);
        Assert.NotEqual(first.Path.Uid, second.Path.Uid);
        Assert.NotEqual(first, second);
    }

    [Theory]
    [InlineData("user/a")]
    [InlineData("/user/a")]
    [InlineData("emu://")]
    [InlineData("emu:///user/a")]
    [InlineData("emu://cluster@host/user/a")]
    [InlineData("emu://cluster@host:port/user/a")]
    [InlineData("emu://cluster/user/a#uid")]
    [InlineData("emu://cluster/user/a b")]
    [InlineData("emu://cluster/user/a<b>")]
    [InlineData("emu://cluster/user/a%zz")]
    public void Malformed_paths_are_rejected(string text)
    {
        Assert.False(ActorPath.TryParse(text, out var path));
        Assert.Null(path);
        Assert.Throws<FormatException>(() => ActorPath.Parse(text));
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a#1")]
    [InlineData("")]
    public void A_child_path_name_cannot_hold_a_separator_or_be_empty(string name)
    {
        var parent = ActorPath.Parse("emu://cluster/user");

        Assert.Throws<ArgumentException>(() => parent.Child(name));
        Assert.Throws<ArgumentException>(() => parent.Child(name, 7));
    }

    [Fact]
    public void The_slash_operator_appends_each_element()
    {
        var path = new RootActorPath(new Address("emu", "cluster")) / "user/a//b";

        Assert.Equal(["user", "a", "b"], path.Elements);
        Assert.Equal("emu://cluster/user/a/b", path.ToString());
    }

    [Theory]
    [InlineData("pod-1", true)]
    [InlineData("a.b_c~d", true)]
    [InlineData("x%20y", true)]
    [InlineData("a$b", true)]
    [InlineData("name@host:1", true)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("a b", false)]
    [InlineData("a/b", false)]
    [InlineData("a#b", false)]
    [InlineData("$a", false)]
    [InlineData("%zz", false)]
    public void Path_elements_follow_the_actor_name_syntax(string? name, bool valid)
    {
        Assert.Equal(valid, ActorPath.IsValidPathElement(name));
    }

    [Theory]
    [InlineData("a b")]
    [InlineData("a/b")]
    [InlineData("a#b")]
    [InlineData("$reserved")]
    [InlineData("")]
    public void ActorOf_rejects_invalid_names(string name)
    {
        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create<Idle>(), name));
    }

    [Fact]
    public void ActorOf_rejects_a_name_already_taken_by_a_sibling()
    {
        ActorOf(Props.Create<Idle>(), "taken");

        Assert.Throws<InvalidActorNameException>(() => ActorOf(Props.Create<Idle>(), "taken"));
    }

    private sealed class Idle : ReceiveActor
    {
        public Idle()
        {
            ReceiveAny(_ => { });
        }
    }
}
