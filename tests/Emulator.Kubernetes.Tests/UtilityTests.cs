using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Kubernetes.Tests;

public class QuantityTests
{
    [Theory]
    [InlineData("100m", 100, 1, "100m")]
    [InlineData("1.5", 1500, 2, "1500m")]
    [InlineData("0.1", 100, 1, "100m")]
    [InlineData("2", 2000, 2, "2")]
    [InlineData("1000", 1000000, 1000, "1k")]
    [InlineData("128Mi", 134217728000, 134217728, "128Mi")]
    [InlineData("0.5Gi", 536870912000, 536870912, "512Mi")]
    [InlineData("1.5Gi", 1610612736000, 1610612736, "1536Mi")]
    [InlineData("1G", 1000000000000, 1000000000, "1G")]
    [InlineData("1e3", 1000000, 1000, "1e3")]
    [InlineData("129e6", 129000000000, 129000000, "129e6")]
    [InlineData("512", 512000, 512, "512")]
    [InlineData("1Ki", 1024000, 1024, "1Ki")]
    [InlineData("0", 0, 0, "0")]
    public void Parses_to_canonical_units_and_back(string text, long milli, long value, string canonical)
    {
        var q = Quantity.Parse(text);
        Assert.Equal(milli, q.MilliValue);
        Assert.Equal(value, q.Value);
        Assert.Equal(canonical, q.ToString());
        Assert.Equal(q.Nanos, Quantity.Parse(q.ToString()).Nanos);
    }

    [Fact]
    public void Fractions_round_up()
    {
        Assert.Equal(1, Quantity.Parse("0.1m").MilliValue);
        Assert.Equal(1, Quantity.Parse("100m").Value);
    }

    [Fact]
    public void Values_beyond_int64_saturate()
    {
        // A request of 9223372036854775808 cores is a valid quantity: the scheduler must be able to weigh it.
        Assert.Equal(long.MaxValue, Quantity.Parse("9223372036854775808").MilliValue);
        Assert.Equal(long.MaxValue, Quantity.Parse("100Ei").Value);
        Assert.Equal(long.MinValue, Quantity.Parse("-9223372036854775809").Value);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("1.2.3")]
    [InlineData("5Qi")]
    [InlineData("")]
    [InlineData("--1")]
    public void Rejects_malformed_quantities(string text)
    {
        Assert.False(Quantity.TryParse(text, out _));
    }

    [Fact]
    public void Error_message_is_kubernetes_wording()
    {
        var error = Assert.Throws<FormatException>(() => Quantity.Parse("abc"));
        Assert.Equal("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", error.Message);
    }

    [Fact]
    public void Comparison_and_arithmetic_work_across_formats()
    {
        Assert.True(Quantity.Parse("1Gi") > Quantity.Parse("1G"));
        Assert.Equal(0, Quantity.Parse("1000m").CompareTo(Quantity.Parse("1")));
        Assert.Equal("1500m", (Quantity.Parse("1") + Quantity.Parse("500m")).ToString());
        Assert.Equal("250m", Quantity.FromMilli(250).ToString());
        Assert.Equal("128Mi", Quantity.FromValue(134217728, QuantityFormat.BinarySI).ToString());
    }
}

public class NamingAndHashTests
{
    [Fact]
    public void Fnv32a_matches_reference_vectors()
    {
        Assert.Equal(0x811c9dc5u, PodTemplateHash.Fnv32a([]));
        Assert.Equal(0xe40c292cu, PodTemplateHash.Fnv32a(Encoding.ASCII.GetBytes("a")));
        Assert.Equal(0xbf9cf968u, PodTemplateHash.Fnv32a(Encoding.ASCII.GetBytes("foobar")));
    }

    [Fact]
    public void Safe_encode_maps_each_character_into_the_alphabet()
    {
        Assert.Equal("456789bcdf", ObjectNames.SafeEncode("0123456789"));
    }

    [Fact]
    public void Template_hash_is_stable_across_key_order_and_changes_with_content_and_collisions()
    {
        var a = JsonNode.Parse("""{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx"}]}}""");
        var b = JsonNode.Parse("""{"spec":{"containers":[{"image":"nginx","name":"app"}]},"metadata":{"labels":{"app":"web"}}}""");
        var c = JsonNode.Parse("""{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}""");
        var hash = PodTemplateHash.Compute(a);
        Assert.Equal(hash, PodTemplateHash.Compute(b));
        Assert.NotEqual(hash, PodTemplateHash.Compute(c));
        Assert.NotEqual(hash, PodTemplateHash.Compute(a, collisionCount: 1));
        Assert.InRange(hash.Length, 1, 10);
        Assert.All(hash, ch => Assert.Contains(ch, ObjectNames.Alphabet));
        var expected = ObjectNames.SafeEncode(PodTemplateHash.Fnv32a(Encoding.UTF8.GetBytes(PodTemplateHash.StableJson(a))).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected, hash);
    }

    [Fact]
    public void Templates_compare_equal_ignoring_the_hash_label()
    {
        var live = JsonNode.Parse("""{"metadata":{"labels":{"app":"web","pod-template-hash":"5d4f6b9c7"}},"spec":{"containers":[{"name":"a","image":"x"}]}}""");
        var desired = JsonNode.Parse("""{"spec":{"containers":[{"image":"x","name":"a"}]},"metadata":{"labels":{"app":"web"}}}""");
        var changed = JsonNode.Parse("""{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"a","image":"y"}]}}""");
        Assert.True(PodTemplateHash.EqualIgnoringHash(live, desired));
        Assert.False(PodTemplateHash.EqualIgnoringHash(live, changed));
        Assert.Equal("5d4f6b9c7", JsonTree.GetString((JsonObject)live!, "metadata", "labels", "pod-template-hash"));
    }

    [Fact]
    public void Generated_names_have_a_five_character_suffix_and_a_cut_prefix()
    {
        var names = new ObjectNames(new Random(42));
        var name = names.FromGenerateName("web-");
        Assert.Equal(9, name.Length);
        Assert.StartsWith("web-", name);
        Assert.All(name[4..], ch => Assert.Contains(ch, ObjectNames.Alphabet));
        var longName = names.FromGenerateName(new string('a', 70));
        Assert.Equal(63, longName.Length);
        Assert.Equal(new ObjectNames(new Random(7)).RandomSuffix(), new ObjectNames(new Random(7)).RandomSuffix());
    }

    [Fact]
    public void Event_names_use_hex_nanoseconds()
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123);
        Assert.Equal("web-1." + (1_700_000_000_123L * 1_000_000).ToString("x"), ObjectNames.EventName("web-1", time));
    }

    [Fact]
    public void Rfc3339_formats_in_utc_seconds_and_parses_offsets()
    {
        var time = new DateTimeOffset(2024, 5, 6, 7, 8, 9, 999, TimeSpan.FromHours(-5));
        Assert.Equal("2024-05-06T12:08:09Z", Rfc3339Time.Format(time));
        Assert.Equal("2024-05-06T12:08:09.999000Z", Rfc3339Time.FormatMicro(time));
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 12, 8, 9, TimeSpan.Zero), Rfc3339Time.Parse("2024-05-06T07:08:09-05:00"));
        Assert.False(Rfc3339Time.TryParse("yesterday", out _));
        Assert.Throws<FormatException>(() => Rfc3339Time.Parse("2024-05-06"));
    }

    [Fact]
    public void Pod_template_null_fields_equal_absent_ones_for_hash_and_comparison()
    {
        // kubectl rollout undo sends the old ReplicaSet's template with "creationTimestamp": null.
        var stored = System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{"labels":{"app":"web","pod-template-hash":"x"}},"spec":{"containers":[{"name":"a","image":"nginx"}]}}""");
        var fromUndo = System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{"creationTimestamp":null,"labels":{"app":"web"}},"spec":{"containers":[{"name":"a","image":"nginx"}]}}""");
        Assert.True(PodTemplateHash.EqualIgnoringHash(stored, fromUndo));
        var withoutHash = System.Text.Json.Nodes.JsonNode.Parse("""{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"a","image":"nginx"}]}}""");
        Assert.Equal(PodTemplateHash.Compute(withoutHash), PodTemplateHash.Compute(fromUndo));
    }
}
