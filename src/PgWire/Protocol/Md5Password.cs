using System.Security.Cryptography;
using System.Text;

namespace PgWire.Protocol;

/// <summary>The MD5 password answer: "md5" + hex(md5(hex(md5(password + user)) + salt)).</summary>
internal static class Md5Password
{
    public static byte[] Compute(string user, string password, ReadOnlySpan<byte> salt)
    {
        if (salt.Length != 4) throw new ArgumentException("The MD5 salt is 4 bytes.", nameof(salt));
        var inner = MD5.HashData(Encoding.UTF8.GetBytes(password + user));
        Span<byte> outerInput = stackalloc byte[32 + 4];
        WriteHex(inner, outerInput);
        salt.CopyTo(outerInput[32..]);
        var outer = MD5.HashData(outerInput);
        var result = new byte[35];
        "md5"u8.CopyTo(result);
        WriteHex(outer, result.AsSpan(3));
        return result;
    }

    private static void WriteHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        const string digits = "0123456789abcdef";
        for (var i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = (byte)digits[bytes[i] >> 4];
            destination[2 * i + 1] = (byte)digits[bytes[i] & 0xF];
        }
    }
}
