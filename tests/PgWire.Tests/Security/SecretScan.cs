using System.Collections;
using Xunit;

namespace PgWire.Tests.Security;

/// <summary>Asserts that a secret appears nowhere a user or a log could see it: messages, ToString, inner exceptions, Data.</summary>
internal static class SecretScan
{
    public static void AssertNoSecret(string text, string secret) =>
        Assert.False(text.Contains(secret, StringComparison.Ordinal), $"the secret appears in: {text.Replace(secret, "<SECRET>", StringComparison.Ordinal)}");

    public static void AssertNoSecret(Exception? exception, string secret)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            AssertNoSecret(e.Message, secret);
            AssertNoSecret(e.ToString(), secret);
            foreach (DictionaryEntry entry in e.Data) AssertNoSecret($"{entry.Key}={entry.Value}", secret);
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions) AssertNoSecret(inner, secret);
        }
    }
}
