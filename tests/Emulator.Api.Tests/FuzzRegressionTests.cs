using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Emulator.Api.Tests;

/// <summary>The cases the fuzzing suite found, each kept as a regression test with the answer Kubernetes gives.</summary>
public sealed class FuzzRegressionTests(ApiServerFixture api) : IClassFixture<ApiServerFixture>
{
    private async Task<(HttpStatusCode Status, JsonObject? Body, HttpResponseMessage Response)> Send(HttpMethod method, string path, byte[] body, string? contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(body) };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }
        var response = await api.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length > 0 && text[0] == '{' ? JsonNode.Parse(text)!.AsObject() : null, response);
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task A_field_given_twice_keeps_its_last_value_and_strict_validation_refuses_it()
    {
        var body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup-1","name":"dup-2"},"data":{"k":"a","k":"b"}}""";
        var (status, created, _) = await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Utf8(body));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("dup-2", (string?)created!["metadata"]!["name"]);
        Assert.Equal("b", (string?)created["data"]!["k"]);

        var (strict, refused, _) = await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", Utf8(body.Replace("dup-", "strict-")));
        Assert.Equal(HttpStatusCode.BadRequest, strict);
        Assert.Equal("ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: duplicate field \"metadata.name\", duplicate field \"data.k\"",
            (string?)refused!["message"]);

        var (_, _, warned) = await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps?fieldValidation=Warn", Utf8(body.Replace("dup-", "warn-")));
        Assert.Contains("299 - \"duplicate field \\\"metadata.name\\\"\"", warned.Headers.GetValues("Warning"));
    }

    [Fact]
    public async Task Bytes_that_are_not_utf8_become_replacement_characters()
    {
        var body = Utf8("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"bad-utf8"},"data":{"k":"aXb"}}""");
        body[Array.IndexOf(body, (byte)'X')] = 0xC3;
        var (status, created, _) = await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", body);
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("a\uFFFDb", (string?)created!["data"]!["k"]);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_in_an_unknown_format_is_a_415(string contentType)
    {
        var body = Utf8("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"wrong-type"}}""");
        var (status, answer, _) = await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", body, contentType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Equal("the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
            (string?)answer!["message"]);
    }

    [Fact]
    public async Task A_null_in_a_map_of_strings_is_stored_as_an_empty_string_and_a_null_field_is_left_out()
    {
        var body = """{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"nulls","labels":{"a":null},"annotations":null},"data":{"k":null}}""";
        var (status, created, _) = await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Utf8(body));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("", (string?)created!["metadata"]!["labels"]!["a"]);
        Assert.False(created["metadata"]!.AsObject().ContainsKey("annotations"));
        Assert.Equal("", (string?)created["data"]!["k"]);
    }

    [Fact]
    public async Task A_patch_that_removes_the_metadata_is_refused_as_a_rename()
    {
        await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Utf8("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"patched"}}"""));
        var (status, answer, _) = await Send(HttpMethod.Patch, "/api/v1/namespaces/default/configmaps/patched", Utf8("""{"metadata":null}"""), "application/merge-patch+json");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("the name of the object () does not match the name on the URL (patched)", (string?)answer!["message"]);
    }

    [Fact]
    public async Task Nesting_deeper_than_64_levels_is_a_400()
    {
        var deep = new string('[', 100) + new string(']', 100);
        var body = Utf8($$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":{{deep}}}""");
        var (status, answer, _) = await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Status", (string?)answer!["kind"]);
    }

    [Fact]
    public async Task Delete_options_in_yaml_may_carry_the_grace_period_as_a_float()
    {
        await Send(HttpMethod.Post, "/api/v1/namespaces/default/configmaps", Utf8("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"float-grace"}}"""));
        var (status, _, _) = await Send(HttpMethod.Delete, "/api/v1/namespaces/default/configmaps/float-grace",
            Utf8("kind: DeleteOptions\napiVersion: v1\ngracePeriodSeconds: 1.5e3\n"), "application/yaml");
        Assert.Equal(HttpStatusCode.OK, status);
    }
}
