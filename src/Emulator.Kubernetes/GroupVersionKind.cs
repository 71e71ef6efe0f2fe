namespace Emulator.Kubernetes;

/// <summary>A Kubernetes group, version and kind; the core group is the empty string.</summary>
/// <param name="Group">API group, empty for the core ("legacy") group.</param>
/// <param name="Version">API version within the group, e.g. <c>v1</c>.</param>
/// <param name="Kind">Kind, e.g. <c>Deployment</c>.</param>
public readonly record struct GroupVersionKind(string Group, string Version, string Kind)
{
    /// <summary>The <c>apiVersion</c> field value: <c>v1</c> for the core group, else <c>group/version</c>.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Splits an <c>apiVersion</c> into group and version.</summary>
    public static (string Group, string Version) SplitApiVersion(string apiVersion)
    {
        var slash = apiVersion.IndexOf('/');
        return slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
    }

    /// <summary>Builds a value from an <c>apiVersion</c> and kind.</summary>
    public static GroupVersionKind From(string apiVersion, string kind)
    {
        var (group, version) = SplitApiVersion(apiVersion);
        return new GroupVersionKind(group, version, kind);
    }

    /// <inheritdoc />
    public override string ToString() => $"{ApiVersion}, Kind={Kind}";
}
