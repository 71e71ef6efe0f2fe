using System.Text.Json.Nodes;
using Emulator.Kubernetes.Cel;

namespace Emulator.Kubernetes.Tests.Cel;

public class KubernetesCelTests
{
    private static object? Eval(string expression, string selfJson = "{}")
    {
        var compiled = KubernetesCel.Compile(expression, ["self"]);
        return compiled.Evaluate(new Dictionary<string, object?> { ["self"] = CelValues.FromJson(JsonNode.Parse(selfJson)) });
    }

    private static string Json(object? value) => CelValues.ToJson(value)?.ToJsonString() ?? "null";

    [Theory]
    [InlineData("'hello'.charAt(1)", "\"e\"")]
    [InlineData("'hello'.charAt(5)", "\"\"")]
    [InlineData("'hello hello'.indexOf('ll')", "2")]
    [InlineData("'hello hello'.indexOf('ll', 3)", "8")]
    [InlineData("'hello hello'.lastIndexOf('ll')", "8")]
    [InlineData("'hello hello'.lastIndexOf('ll', 7)", "2")]
    [InlineData("'TacoCat'.lowerAscii()", "\"tacocat\"")]
    [InlineData("'TacoCat'.upperAscii()", "\"TACOCAT\"")]
    [InlineData("'hello hello'.replace('he', 'we')", "\"wello wello\"")]
    [InlineData("'hello hello'.replace('he', 'we', 1)", "\"wello hello\"")]
    [InlineData("'a,b,c'.split(',')", "[\"a\",\"b\",\"c\"]")]
    [InlineData("'a,b,c'.split(',', 2)", "[\"a\",\"b,c\"]")]
    [InlineData("'tacocat'.substring(4)", "\"cat\"")]
    [InlineData("'tacocat'.substring(0, 4)", "\"taco\"")]
    [InlineData("'  \\ttrim\\n '.trim()", "\"trim\"")]
    [InlineData("['a', 'b'].join()", "\"ab\"")]
    [InlineData("['a', 'b'].join('-')", "\"a-b\"")]
    [InlineData("'%s has %d replicas (%.2f)'.format(['web', 3, 1.5])", "\"web has 3 replicas (1.50)\"")]
    public void Strings_library(string expression, string expected) => Assert.Equal(expected, Json(Eval(expression)));

    [Fact]
    public void Strings_quote_escapes_as_Go_does() => Assert.Equal("\"a\\\"b\\n\"", Eval("strings.quote('a\"b\\n')"));

    [Theory]
    [InlineData("[1, 2, 3].isSorted()", "true")]
    [InlineData("['b', 'a'].isSorted()", "false")]
    [InlineData("[1, 2, 3].sum()", "6")]
    [InlineData("[1.5, 2.5].sum()", "4")]
    [InlineData("[].sum()", "0")]
    [InlineData("[3, 1, 2].min()", "1")]
    [InlineData("[3, 1, 2].max()", "3")]
    [InlineData("[1, 2, 2, 3].indexOf(2)", "1")]
    [InlineData("[1, 2, 2, 3].lastIndexOf(2)", "2")]
    [InlineData("['a'].indexOf('z')", "-1")]
    [InlineData("self.items.isSorted() && self.items.size() == 3", "true")]
    public void Lists_library(string expression, string expected) =>
        Assert.Equal(expected, Json(Eval(expression, """{"items": [1, 5, 9]}""")));

    [Theory]
    [InlineData("'abc 123'.find('[0-9]+')", "\"123\"")]
    [InlineData("'abc'.find('[0-9]+')", "\"\"")]
    [InlineData("'123 abc 456'.findAll('[0-9]+')", "[\"123\",\"456\"]")]
    [InlineData("'123 abc 456'.findAll('[0-9]+', 1)", "[\"123\"]")]
    public void Regex_library(string expression, string expected) => Assert.Equal(expected, Json(Eval(expression)));

    [Theory]
    [InlineData("url('https://example.com:8080/a%20b?x=1&x=2').getScheme()", "\"https\"")]
    [InlineData("url('https://example.com:8080/path').getHost()", "\"example.com:8080\"")]
    [InlineData("url('https://[::1]:8080/path').getHostname()", "\"::1\"")]
    [InlineData("url('https://example.com:8080/path').getPort()", "\"8080\"")]
    [InlineData("url('https://example.com/a%20b').getEscapedPath()", "\"/a%20b\"")]
    [InlineData("url('https://example.com/?x=1&x=2&y=').getQuery()", "{\"x\":[\"1\",\"2\"],\"y\":[\"\"]}")]
    [InlineData("url('/absolute/path').getEscapedPath()", "\"/absolute/path\"")]
    [InlineData("isURL('https://example.com')", "true")]
    [InlineData("isURL('relative/path')", "false")]
    public void Urls_library(string expression, string expected) => Assert.Equal(expected, Json(Eval(expression)));

    [Theory]
    [InlineData("quantity('1Gi').isGreaterThan(quantity('1G'))", "true")]
    [InlineData("quantity('500m').isLessThan(quantity('1'))", "true")]
    [InlineData("quantity('1k').compareTo(quantity('1000'))", "0")]
    [InlineData("quantity('1Ki').asInteger()", "1024")]
    [InlineData("quantity('1.5').isInteger()", "false")]
    [InlineData("quantity('1.5').asApproximateFloat()", "1.5")]
    [InlineData("quantity('-3').sign()", "-1")]
    [InlineData("quantity('1Gi').add(quantity('1Gi')).asInteger()", "2147483648")]
    [InlineData("quantity('5').sub(2).asInteger()", "3")]
    [InlineData("quantity('200m').add(quantity('300m')).isInteger()", "false")]
    [InlineData("isQuantity('10Mi')", "true")]
    [InlineData("isQuantity('10 apples')", "false")]
    [InlineData("string(quantity('1536Mi'))", "\"1536Mi\"")]
    public void Quantity_library(string expression, string expected) => Assert.Equal(expected, Json(Eval(expression)));

    [Theory]
    [InlineData("isIP('10.0.0.1')", "true")]
    [InlineData("isIP('10.0.0.01')", "false")]
    [InlineData("isIP('fe80::1%eth0')", "false")]
    [InlineData("ip('10.0.0.1').family()", "4")]
    [InlineData("ip('::1').family()", "6")]
    [InlineData("ip('127.0.0.1').isLoopback()", "true")]
    [InlineData("ip('0.0.0.0').isUnspecified()", "true")]
    [InlineData("ip('169.254.1.1').isLinkLocalUnicast()", "true")]
    [InlineData("ip('8.8.8.8').isGlobalUnicast()", "true")]
    [InlineData("ip.isCanonical('2001:db8::1')", "true")]
    [InlineData("ip.isCanonical('2001:DB8::1')", "false")]
    [InlineData("string(ip('10.0.0.1'))", "\"10.0.0.1\"")]
    [InlineData("isCIDR('10.0.0.0/8')", "true")]
    [InlineData("isCIDR('10.0.0.0/33')", "false")]
    [InlineData("cidr('10.0.0.0/8').containsIP(ip('10.1.2.3'))", "true")]
    [InlineData("cidr('10.0.0.0/8').containsIP('11.0.0.1')", "false")]
    [InlineData("cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16')", "true")]
    [InlineData("cidr('10.0.0.0/16').containsCIDR(cidr('10.0.0.0/8'))", "false")]
    [InlineData("cidr('10.1.2.3/8').prefixLength()", "8")]
    [InlineData("string(cidr('10.1.2.3/8').masked())", "\"10.0.0.0/8\"")]
    [InlineData("string(cidr('10.1.2.3/8').ip())", "\"10.1.2.3\"")]
    public void Ip_and_cidr_libraries(string expression, string expected) => Assert.Equal(expected, Json(Eval(expression)));

    [Theory]
    [InlineData("format.dns1123Label().validate('my-name').hasValue()", "false")]
    [InlineData("format.dns1123Label().validate('My_Name').value()[0].startsWith('a lowercase RFC 1123 label must consist of')", "true")]
    [InlineData("format.named('dns1123Subdomain').value().validate('a.b').hasValue()", "false")]
    [InlineData("format.named('nonsense').hasValue()", "false")]
    [InlineData("format.uuid().validate('not-a-uuid').hasValue()", "true")]
    [InlineData("optional.of(1).orValue(2)", "1")]
    [InlineData("optional.none().orValue(2)", "2")]
    [InlineData("sets.contains([1, 2, 3], [2, 3])", "true")]
    [InlineData("sets.equivalent([1, 2], [2, 1, 1])", "true")]
    [InlineData("sets.intersects([1], [2])", "false")]
    public void Format_optional_and_sets_libraries(string expression, string expected) => Assert.Equal(expected, Json(Eval(expression)));

    [Theory]
    [InlineData("self.isFrobnicated()", "ERROR: <input>:1:19: undeclared reference to 'isFrobnicated' (in container '')\n | self.isFrobnicated()\n | ..................^")]
    [InlineData("frobnicate(self)", "ERROR: <input>:1:11: undeclared reference to 'frobnicate' (in container '')\n | frobnicate(self)\n | ..........^")]
    [InlineData("object.spec == 1", "ERROR: <input>:1:1: undeclared reference to 'object' (in container '')\n | object.spec == 1\n | ^")]
    public void Unknown_functions_and_variables_do_not_compile(string expression, string message) =>
        Assert.Equal(message, Assert.Throws<CelCompileException>(() => KubernetesCel.Compile(expression, ["self"])).Message);

    [Fact]
    public void Valid_CEL_the_library_cannot_evaluate_is_reported_as_unsupported_not_refused()
    {
        Assert.Throws<CelUnsupportedException>(() => KubernetesCel.Compile("self.?name.orValue('') == ''", ["self"]));
        Assert.Throws<CelUnsupportedException>(() => KubernetesCel.Compile("self.items.map(i, i > 0, i * 2).size() > 0", ["self"]));
        Assert.Equal(true, Eval("bool('true') && bool(true)"));
    }

    [Fact]
    public void Comprehension_variables_are_in_scope_of_their_macro_only()
    {
        Assert.Equal(true, Eval("self.items.all(i, i > 0) && self.items.exists(j, j == 5)", """{"items": [1, 5]}"""));
        Assert.Throws<CelCompileException>(() => KubernetesCel.Compile("self.items.all(i, i > 0) && i == 1", ["self"]));
    }

    [Fact]
    public void Lazy_variables_are_resolved_on_first_use_only()
    {
        var compiled = KubernetesCel.Compile("self.a == 1 || variables.expensive", ["self", "variables"]);
        var resolved = new List<string>();
        bool Lazy(string name, out object? value)
        {
            resolved.Add(name);
            value = true;
            return name == "variables.expensive";
        }
        Assert.Equal(true, compiled.Evaluate(new Dictionary<string, object?> { ["self"] = CelValues.FromJson(JsonNode.Parse("""{"a": 2}""")) }, Lazy));
        Assert.Contains("variables.expensive", resolved);
    }
}
