"""Apache Beam preprocessing: raw click logs to per-user sequences, vocabularies and a manifest.

`run_preprocess(config, input_dir, output_dir, beam_args)` is the entry
point; `clrec preprocess` and the kfp component call it. The outputs and
their schemas are described in `clrec.preprocess.schemas` and in
`components/preprocess/README.md`.

Runners. The local FnApiRunner is the default. Beam pipeline options go
after `--` on the command line (or into `preprocess.beam_args`):

    # local, one process (default)
    clrec preprocess -c configs/ml-100k.yaml
    # local, parallel worker processes
    clrec preprocess -c configs/ml-100k.yaml -- \\
        --direct_running_mode=multi_processing --direct_num_workers=4
    # Google Cloud Dataflow; workers install the clrec wheel
    pip wheel --no-deps . -w dist
    clrec preprocess -c configs/ml-100k.yaml \\
        --input-dir gs://BUCKET/datasets/ml-100k --output-dir gs://BUCKET/preprocess/ml-100k -- \\
        --runner=DataflowRunner --project=PROJECT --region=REGION \\
        --temp_location=gs://BUCKET/tmp --extra_package=dist/clrec-0.1.0-py3-none-any.whl
    # Apache Flink (Beam starts its Flink job server; LOOPBACK runs the Python workers here)
    clrec preprocess -c configs/ml-100k.yaml -- \\
        --runner=FlinkRunner --flink_master=HOST:8081 --environment_type=LOOPBACK
    # Apache Spark
    clrec preprocess -c configs/ml-100k.yaml -- \\
        --runner=SparkRunner --spark_master_url=spark://HOST:7077 --environment_type=LOOPBACK

`--direct_running_mode=multi_threading` is rejected: with apache-beam 2.77
it silently lost values in GroupByKey at one million elements.

NOTE: the tests run only the FnApiRunner (in_memory and multi_processing).
The Dataflow, Flink and Spark lines use standard Beam options and have not
been run from this repository.
"""

from clrec.preprocess.errors import PreprocessError
from clrec.preprocess.run import run_preprocess

__all__ = ["PreprocessError", "run_preprocess"]
