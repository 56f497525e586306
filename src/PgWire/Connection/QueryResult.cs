using PgWire.Buffers;

namespace PgWire.Connection;

/// <summary>
/// What a finished query leaves behind once the connector is free again: the row description (decode context),
/// the copied row bodies, and the row count from CommandComplete.
/// </summary>
/// <remarks>The caller owns <see cref="Rows"/> and must return it to <see cref="RowBufferPool"/>.</remarks>
internal readonly record struct QueryResult(RowDescriptionInfo? Description, RowBuffer? Rows, long RowsAffected, long ModifiedRows = -1);
