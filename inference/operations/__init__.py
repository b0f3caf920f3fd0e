"""Operations of the catalog. Each module registers its operations with inference.catalog.register."""
