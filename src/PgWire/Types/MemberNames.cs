using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace PgWire.Types;

/// <summary>
/// How a PostgreSQL name (a composite's field, a table's column) finds the CLR member that holds its value: the
/// member's name as is, ignoring case, or in snake_case (<c>StreetName</c> is <c>street_name</c>).
/// </summary>
internal static class MemberNames
{
    public static bool Matches(string pgName, string memberName) =>
        string.Equals(pgName, memberName, StringComparison.OrdinalIgnoreCase) || pgName == EnumLabels.ToSnakeCase(memberName);

    /// <summary>
    /// The public readable instance property or field of <paramref name="type"/> for <paramref name="pgName"/>: the
    /// one spelt exactly so, else the only one that matches; null when none does.
    /// </summary>
    /// <exception cref="ArgumentException">Several members match and none is spelt exactly as the name.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "The caller names the type it reads.")]
    public static MemberInfo? FindReadable(Type type, string pgName)
    {
        var candidates = new List<MemberInfo>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (property.GetIndexParameters().Length == 0 && property.GetMethod is { IsPublic: true } && Matches(pgName, property.Name))
                candidates.Add(property);
        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance))
            if (Matches(pgName, field.Name)) candidates.Add(field);
        if (candidates.Count <= 1) return candidates.FirstOrDefault();
        return candidates.SingleOrDefault(m => m.Name == pgName)
            ?? throw new ArgumentException(
                $"'{pgName}' matches several members of {type} ({string.Join(", ", candidates.Select(m => m.Name))}) and none is spelt exactly so.");
    }

    /// <summary>The type of a property or field.</summary>
    public static Type TypeOf(MemberInfo member) => member is PropertyInfo property ? property.PropertyType : ((FieldInfo)member).FieldType;
}
