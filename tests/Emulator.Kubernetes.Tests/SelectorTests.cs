using System.Text.Json.Nodes;
using Emulator.Kubernetes.Kinds;
using Emulator.Kubernetes.Selectors;

namespace Emulator.Kubernetes.Tests;

public class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web", ["tier"] = "front", ["rank"] = "5" };

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app!=db", true)]
    [InlineData("missing!=x", true)]
    [InlineData("app in (web,db)", true)]
    [InlineData("app in (db)", false)]
    [InlineData("app notin (db)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (web)", true)]
    [InlineData("app", true)]
    [InlineData("!app", false)]
    [InlineData("!missing", true)]
    [InlineData("app=web,tier=front", true)]
    [InlineData("app=web, tier=back", false)]
    [InlineData("rank>4", true)]
    [InlineData("rank<4", false)]
    [InlineData("", true)]
    [InlineData("app=", false)]
    public void String_selectors_match_like_kubernetes(string selector, bool matches)
    {
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(Web));
    }

    [Fact]
    public void Canonical_string_form_sorts_by_key()
    {
        Assert.Equal("app=web,tier in (a,b),!x", LabelSelector.Parse("tier in (b,a), app=web, !x").ToString());
    }

    [Theory]
    [InlineData("app=web,", "found '', expected: identifier after ','")]
    [InlineData("app in web", "unable to parse requirement: found 'web', expected: '('")]
    [InlineData("=web", "found '=', expected: !, identifier, or 'end of string'")]
    [InlineData("app web", "unable to parse requirement: found 'web', expected: in, notin, =, ==, !=, gt, lt")]
    [InlineData("!app=x", "found '=', expected: ',' or 'end of string'")]
    [InlineData("app in ()", "unable to parse requirement: values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty")]
    public void Bad_syntax_gives_kubernetes_messages(string selector, string message)
    {
        var error = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(selector));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Invalid_key_is_reported_with_the_validation_message()
    {
        var error = Assert.Throws<SelectorParseException>(() => LabelSelector.Parse("-bad=x"));
        Assert.StartsWith("unable to parse requirement: <nil>: Invalid value: \"-bad\": name part must consist of alphanumeric characters", error.Message);
    }

    [Fact]
    public void MatchLabels_and_matchExpressions_convert()
    {
        var selector = LabelSelector.FromJson(JsonNode.Parse("""
            {"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["front","back"]},{"key":"canary","operator":"DoesNotExist"}]}
            """));
        Assert.True(selector.Matches(Web));
        Assert.False(selector.Matches(new Dictionary<string, string>(Web) { ["canary"] = "1" }));
        Assert.Equal("app=web,!canary,tier in (back,front)", selector.ToString());
    }

    [Fact]
    public void Null_selector_matches_nothing_and_empty_selector_everything()
    {
        Assert.False(LabelSelector.FromJson(null).Matches(Web));
        Assert.True(LabelSelector.FromJson(new JsonObject()).Matches(Web));
        Assert.True(LabelSelector.FromJson(new JsonObject()).IsEmpty);
    }

    [Fact]
    public void Bad_operator_in_match_expressions_is_an_error()
    {
        var error = Assert.Throws<SelectorParseException>(() => LabelSelector.FromJson(JsonNode.Parse("""{"matchExpressions":[{"key":"a","operator":"Near"}]}""")));
        Assert.Equal("\"Near\" is not a valid label selector operator", error.Message);
    }
}

public class FieldSelectorTests
{
    private static KubeObject Pod() => KubeObject.ParseJson("""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"prod"},"spec":{"nodeName":"node-a"},"status":{"phase":"Running"}}
        """);

    [Theory]
    [InlineData("metadata.name=web-1", true)]
    [InlineData("metadata.name==web-1", true)]
    [InlineData("metadata.name!=web-1", false)]
    [InlineData("spec.nodeName=node-a,status.phase=Running", true)]
    [InlineData("status.phase=Running,spec.nodeName=node-b", false)]
    [InlineData("spec.nodeName=", false)]
    [InlineData("metadata.namespace=prod", true)]
    [InlineData("spec.hostNetwork=false", true)]
    public void Terms_match_pod_fields(string selector, bool matches)
    {
        Assert.Equal(matches, FieldSelector.Parse(selector).Matches(Pod()));
    }

    [Fact]
    public void Event_involved_object_fields_are_selectable()
    {
        var evt = KubeObject.ParseJson("""
            {"apiVersion":"v1","kind":"Event","metadata":{"name":"e","namespace":"ns"},"involvedObject":{"kind":"Pod","name":"x","namespace":"ns","uid":"u1"},"source":{"component":"kubelet"}}
            """);
        var selector = FieldSelector.Parse("involvedObject.name=x,involvedObject.namespace=ns,involvedObject.uid=u1");
        selector.EnsureSupported(KindRegistry.Default.Resolve("v1", "Event"));
        Assert.True(selector.Matches(evt));
        Assert.True(FieldSelector.Parse("source=kubelet").Matches(evt));
        Assert.False(FieldSelector.Parse("involvedObject.uid=other").Matches(evt));
    }

    [Fact]
    public void Node_unschedulable_defaults_to_false()
    {
        var node = KubeObject.ParseJson("""{"apiVersion":"v1","kind":"Node","metadata":{"name":"n"}}""");
        Assert.True(FieldSelector.Parse("spec.unschedulable=false").Matches(node));
        node.EnsureSpec()["unschedulable"] = true;
        Assert.True(FieldSelector.Parse("spec.unschedulable=true").Matches(node));
    }

    [Fact]
    public void Escapes_are_honoured()
    {
        var selector = FieldSelector.Parse(@"metadata.name=a\,b\=c");
        Assert.Equal("a,b=c", selector.Terms[0].Value);
    }

    [Fact]
    public void Unsupported_fields_and_bad_terms_are_errors()
    {
        var error = Assert.Throws<SelectorParseException>(() => FieldSelector.Parse("spec.foo=x").EnsureSupported(KindRegistry.Default.Resolve("v1", "Pod")));
        Assert.Equal("field label not supported: spec.foo", error.Message);
        error = Assert.Throws<SelectorParseException>(() => FieldSelector.Parse("metadata.name"));
        Assert.Equal("invalid selector: 'metadata.name'; can't understand 'metadata.name'", error.Message);
    }
}
