"""cinerec's ALS job for Apache Spark (MLlib), shipped inside the cinerec binary.

`cinerec train --engine spark` writes this file to a temporary folder and runs it with
spark-submit. It reads the interactions cinerec exported (`user int32, item int32, rating
float`: the dataset's inner ids), fits MLlib's implicit-feedback ALS with the parameters
cinerec mapped from its own ALS, and writes the factors as Parquet (`id int32, features
list<float>`: `<out>/users`, `<out>/items`) plus `<out>/timings.json`. Arguments are named
as MLlib names them.
"""

import argparse
import json
import os
import shutil
import time

# Iterations between ALS checkpoints (truncating the lineage; see main).
CHECKPOINT_INTERVAL = 5


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--rank", type=int, required=True)
    p.add_argument("--max-iter", type=int, required=True)
    p.add_argument("--reg-param", type=float, required=True)
    p.add_argument("--alpha", type=float, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--blocks", type=int, default=0, help="user and item blocks (0: Spark's default parallelism)")
    a = p.parse_args()

    t0 = time.time()
    from pyspark.sql import SparkSession
    from pyspark.ml.recommendation import ALS

    spark = SparkSession.builder.appName("cinerec-als").getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # ALS's RDD lineage grows with every iteration; without checkpoints a deep one overflows
    # the stack when a task is deserialised (seen in CI: StackOverflowError at 15 iterations
    # on ML-100K, local mode). The checkpoints go beside the output (a cluster's master needs
    # it on storage every executor reaches, as the output itself) and are removed after.
    checkpoints = os.path.join(a.output, "_checkpoints")
    spark.sparkContext.setCheckpointDir(checkpoints)
    t1 = time.time()
    df = spark.read.parquet(a.input).cache()
    n = df.count()
    t2 = time.time()
    blocks = a.blocks or max(1, spark.sparkContext.defaultParallelism)
    als = ALS(
        rank=a.rank,
        maxIter=a.max_iter,
        regParam=a.reg_param,
        alpha=a.alpha,
        implicitPrefs=True,
        nonnegative=False,
        userCol="user",
        itemCol="item",
        ratingCol="rating",
        seed=a.seed,
        numUserBlocks=blocks,
        numItemBlocks=blocks,
        checkpointInterval=CHECKPOINT_INTERVAL,
    )
    model = als.fit(df)
    # ALS.fit materialises the factors (they are cached and counted inside fit).
    t3 = time.time()
    model.userFactors.write.mode("overwrite").parquet(os.path.join(a.output, "users"))
    model.itemFactors.write.mode("overwrite").parquet(os.path.join(a.output, "items"))
    t4 = time.time()
    timings = {
        "spark_version": spark.version,
        "master": spark.sparkContext.master,
        "ratings": n,
        "blocks": blocks,
        "session_seconds": t1 - t0,
        "read_seconds": t2 - t1,
        "fit_seconds": t3 - t2,
        "write_seconds": t4 - t3,
    }
    with open(os.path.join(a.output, "timings.json"), "w") as f:
        json.dump(timings, f)
    shutil.rmtree(checkpoints, ignore_errors=True)
    spark.stop()


if __name__ == "__main__":
    main()
