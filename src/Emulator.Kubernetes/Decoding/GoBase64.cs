using System.Text;

namespace Emulator.Kubernetes.Decoding;

/// <summary>
/// Go's <c>base64.StdEncoding</c> decoding, for <c>[]byte</c> fields (Secret data, ConfigMap binaryData): the byte
/// offset it reports in <c>illegal base64 data at input byte N</c>. Padding is required; CR and LF are skipped.
/// </summary>
public static class GoBase64
{
    /// <summary>The offset of the first illegal byte of <paramref name="text"/> (UTF-8), or null when it decodes.</summary>
    public static int? FindError(string text)
    {
        var src = Encoding.UTF8.GetBytes(text);
        var si = 0;
        while (si < src.Length)
        {
            // One quantum of four characters (decodeQuantum).
            var j = 0;
            for (; j < 4; j++)
            {
                if (si == src.Length)
                {
                    if (j == 0)
                    {
                        return null;
                    }
                    return si - j;
                }
                var c = src[si];
                si++;
                if (IsAlphabet(c))
                {
                    continue;
                }
                if (c is (byte)'\n' or (byte)'\r')
                {
                    j--;
                    continue;
                }
                if (c != '=')
                {
                    return si - 1;
                }
                // Padding: only in the third or fourth place, then nothing but newlines.
                switch (j)
                {
                    case 0 or 1:
                        return si - 1;
                    case 2:
                        si = SkipNewlines(src, si);
                        if (si == src.Length)
                        {
                            return src.Length;
                        }
                        if (src[si] != '=')
                        {
                            return si - 1;
                        }
                        si++;
                        break;
                }
                si = SkipNewlines(src, si);
                return si < src.Length ? si : null;
            }
        }
        return null;
    }

    private static int SkipNewlines(byte[] src, int si)
    {
        while (si < src.Length && src[si] is (byte)'\n' or (byte)'\r')
        {
            si++;
        }
        return si;
    }

    private static bool IsAlphabet(byte c) =>
        c is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'+' or (byte)'/';
}
