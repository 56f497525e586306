namespace ReadmeSnippets;

// The types the README's snippets name.
public enum Mood { Happy, VerySad }

public sealed record Product(int Id, string Name, decimal Price);

public sealed record Reading(int Id, string? Sensor, DateTime Taken);

public sealed record Order(int Id, decimal Total);
