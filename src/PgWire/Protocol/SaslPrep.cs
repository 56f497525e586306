using System.Globalization;
using System.Text;

namespace PgWire.Protocol;

/// <summary>
/// SASLprep (RFC 4013, the stringprep profile of RFC 3454) for SCRAM passwords. Like PostgreSQL itself, a password
/// that the profile rejects is used as its raw UTF-8 bytes instead.
/// </summary>
internal static class SaslPrep
{
    /// <summary>The bytes to hash: the prepared password, or the raw UTF-8 password when preparation fails.</summary>
    public static byte[] PrepareOrRaw(string password) =>
        Encoding.UTF8.GetBytes(TryPrepare(password, out var prepared) ? prepared : password);

    /// <summary>Applies SASLprep; false when the password contains a prohibited character or breaks the bidi rules.</summary>
    public static bool TryPrepare(string input, out string prepared)
    {
        prepared = input;
        var pureAscii = true;
        foreach (var c in input)
        {
            if (c >= 0x80) { pureAscii = false; break; }
        }
        if (pureAscii)
        {
            // Only the ASCII control characters are prohibited in ASCII input; mapping and NFKC change nothing.
            foreach (var c in input) if (c < 0x20 || c == 0x7F) return false;
            return true;
        }

        // Step 1, mapping: non-ASCII spaces (C.1.2) to U+0020, "commonly mapped to nothing" (B.1) removed.
        var mapped = new StringBuilder(input.Length);
        foreach (var c in input)
        {
            if (IsNonAsciiSpace(c)) mapped.Append(' ');
            else if (!IsMappedToNothing(c)) mapped.Append(c);
        }

        // Step 2, normalization: NFKC.
        string normalized;
        try
        {
            normalized = mapped.ToString().Normalize(NormalizationForm.FormKC);
        }
        catch (ArgumentException)
        {
            return false; // Unpaired surrogates cannot be normalized.
        }

        // Step 3, prohibited output; step 4, bidirectional characters.
        var hasRandAL = false;
        var hasL = false;
        for (var i = 0; i < normalized.Length; i++)
        {
            int codePoint;
            if (char.IsHighSurrogate(normalized[i]) && i + 1 < normalized.Length && char.IsLowSurrogate(normalized[i + 1]))
            {
                codePoint = char.ConvertToUtf32(normalized[i], normalized[i + 1]);
                i++;
            }
            else if (char.IsSurrogate(normalized[i]))
            {
                return false;
            }
            else
            {
                codePoint = normalized[i];
            }

            if (IsProhibited(codePoint) || IsUnassigned(codePoint)) return false;
            if (IsRandAL(codePoint)) hasRandAL = true;
            else if (IsL(codePoint)) hasL = true;
        }

        if (hasRandAL)
        {
            if (hasL) return false;
            if (!IsRandAL(FirstCodePoint(normalized)) || !IsRandAL(LastCodePoint(normalized))) return false;
        }
        prepared = normalized;
        return true;
    }

    private static bool IsNonAsciiSpace(char c) =>
        c is '\u00A0' or '\u1680' or (>= '\u2000' and <= '\u200B') or '\u202F' or '\u205F' or '\u3000';

    private static bool IsMappedToNothing(char c) =>
        c is '\u00AD' or '\u034F' or '\u1806' or (>= '\u180B' and <= '\u180D') or (>= '\u200B' and <= '\u200D')
            or '\u2060' or (>= '\uFE00' and <= '\uFE0F') or '\uFEFF';

    // RFC 3454 tables C.1.2 to C.9 (C.1.1, the ASCII space, is allowed by RFC 4013).
    private static bool IsProhibited(int cp) =>
        cp < 0x20 || cp == 0x7F // C.2.1 ASCII control
        || (cp >= 0x80 && cp <= 0x9F) || cp == 0x06DD || cp == 0x070F || cp == 0x180E // C.2.2
        || (cp >= 0x200C && cp <= 0x200D) || (cp >= 0x2028 && cp <= 0x2029) || (cp >= 0x2060 && cp <= 0x2063)
        || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFFF9 && cp <= 0xFFFC)
        || (cp >= 0x1D173 && cp <= 0x1D17A)
        || cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F || cp == 0x205F || cp == 0x3000 // C.1.2
        || (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xF0000 && cp <= 0xFFFFD) || (cp >= 0x100000 && cp <= 0x10FFFD) // C.3
        || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE // C.4 non-characters
        || (cp >= 0xD800 && cp <= 0xDFFF) // C.5
        || (cp >= 0xFFF9 && cp <= 0xFFFD) // C.6
        || (cp >= 0x2FF0 && cp <= 0x2FFB) // C.7
        || cp == 0x0340 || cp == 0x0341 || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x206A && cp <= 0x206F) // C.8
        || cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F); // C.9

    private static bool IsUnassigned(int cp) =>
        CharUnicodeInfo.GetUnicodeCategory(cp) == UnicodeCategory.OtherNotAssigned;

    // D.1 (RandALCat) approximated with the Unicode right-to-left blocks: Hebrew, Arabic, Syriac, Thaana, NKo and
    // their presentation forms.
    private static bool IsRandAL(int cp) =>
        (cp >= 0x0590 && cp <= 0x08FF && CharUnicodeInfo.GetUnicodeCategory(cp) is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.Format))
        || (cp >= 0xFB1D && cp <= 0xFDFF) || (cp >= 0xFE70 && cp <= 0xFEFC);

    // D.2 (LCat) approximated as letters that are not right-to-left.
    private static bool IsL(int cp) =>
        !IsRandAL(cp) && CharUnicodeInfo.GetUnicodeCategory(cp) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.TitlecaseLetter or UnicodeCategory.OtherLetter or UnicodeCategory.ModifierLetter;

    private static int FirstCodePoint(string s) => char.ConvertToUtf32(s, 0);

    private static int LastCodePoint(string s) =>
        s.Length >= 2 && char.IsLowSurrogate(s[^1]) ? char.ConvertToUtf32(s, s.Length - 2) : s[^1];
}
