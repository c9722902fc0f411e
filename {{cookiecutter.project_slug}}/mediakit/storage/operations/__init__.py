"""Operations on the live media storages: list them, describe them, probe them over the network."""
