namespace PgWire;

/// <summary>
/// A COPY holding its connection (<see cref="PgWireConnection"/>'s active COPY): abandoned when the connection closes,
/// so nothing is imported and an export is cut short.
/// </summary>
internal interface ICopyOperation
{
    /// <summary>Abandons the COPY and leaves the session usable (or broken, when it cannot be brought back).</summary>
    ValueTask AbortAsync();
}
